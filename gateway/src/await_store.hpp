// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: the ONE bridge from a store completion (called on the writer thread) to the coroutine
// that waits for it. The result is posted to the coroutine's executor (its strand), so the
// coroutine resumes where it was, never on the writer thread.
//
//   auto submit = [&store, id](store_done<bool> done) { store.submit_forward(id, ..., std::move(done)); };
//   jubes::result<bool> r = co_await await_store<bool>(submit);
//
// `submit` must be a named local (an lvalue), enforced below: GCC 12 mis-relocates non-trivial
// temporaries (lambdas with string captures) that live inside a co_await expression, which ASan
// caught as a bad free of an SSO buffer. Only a shared_ptr (no self-pointers) crosses the suspension.
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <type_traits>

#include "net.hpp"
#include "storage/backend.hpp"

namespace jubes::gateway::detail {

/// A store completion (storage/backend.hpp): called exactly once, with a value or the error.
template <class T>
using store_done = storage::completion<T>;

/// @param submit calls one backend submit_* (or anything completing like one) with the completion it is given
/// @return an awaitable yielding the store's jubes::result<T>
template <class T, class Submit>
auto await_store(Submit&& submit) {
  static_assert(std::is_lvalue_reference_v<Submit>, "build the submit function as a named local (GCC 12 bug)");
  auto fn = std::make_shared<std::function<void(store_done<T>)>>(submit);
  return net::async_initiate<const net::use_awaitable_t<>, void(jubes::result<T>)>(
      [](auto handler, std::shared_ptr<std::function<void(store_done<T>)>> fn) {
        auto ex = net::get_associated_executor(handler);
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        (*fn)([h, ex](jubes::result<T> r) {
          net::post(ex, [h, r = std::move(r)]() mutable { std::move (*h)(std::move(r)); });
        });
      },
      net::use_awaitable, std::move(fn));
}

}  // namespace jubes::gateway::detail
