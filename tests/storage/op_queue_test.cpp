// SPDX-License-Identifier: EUPL-1.2
// The writers' bounded request queue (storage/op_queue.hpp), shared by the LMDB and PostgreSQL writers.
#include "storage/op_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

namespace jubes::storage {
namespace {

struct request {
  std::string body;
};
struct ingest {
  request req;
};
struct ack {
  int seq = 0;
};
struct audit {};
struct purge {};
using op = std::variant<ingest, ack, audit, purge>;
using queue = op_queue<op, ingest, purge, audit>;  // as the writers: audit records are never refused

op body_of(std::size_t n) {
  return ingest{{std::string(n, 'x')}};
}

TEST(op_queue, bounds_by_count_and_by_body_bytes_but_takes_any_one_request) {
  queue q;
  op big = body_of(1000);
  EXPECT_TRUE(q.push(big, 3, 100)) << "an empty queue takes one request of any size";
  op small = body_of(10);
  EXPECT_FALSE(q.push(small, 3, 100)) << "over the byte bound";
  EXPECT_EQ(std::get<ingest>(small).req.body.size(), 10u) << "a refused request is left as it was";
  op a = ack{1};
  EXPECT_TRUE(q.push(a, 3, 1000)) << "an ack has no body";
  op b = ack{2};
  EXPECT_FALSE(q.push(b, 2, 1000000)) << "over the count bound";
  op au = audit{};
  EXPECT_TRUE(q.push(au, 2, 1000000)) << "an audit record is never refused";
  op pu = purge{};
  EXPECT_TRUE(q.push(pu, 2, 1000000)) << "nor a purge pass";
  EXPECT_EQ(q.size(), 4u);
}

TEST(op_queue, takes_a_purge_alone_and_groups_the_rest_in_order) {
  queue q;
  for (op o : {body_of(5), op(ack{1}), op(purge{}), body_of(7), op(ack{2}), op(ack{3})})
    ASSERT_TRUE(q.push(o, 100, 100));
  std::vector<op> batch;
  q.take(batch, 10);
  ASSERT_EQ(batch.size(), 2u) << "up to the purge, not past it";
  EXPECT_TRUE(std::holds_alternative<ingest>(batch[0]));
  EXPECT_TRUE(q.purge_next());
  batch.clear();
  q.take(batch, 10);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<purge>(batch[0]));
  batch.clear();
  q.take(batch, 2);
  EXPECT_EQ(batch.size(), 2u) << "at most max";
  EXPECT_EQ(q.size(), 1u);
}

TEST(op_queue, gives_back_the_bytes_of_what_was_taken) {
  queue q;
  op a = body_of(60), b = body_of(60);
  ASSERT_TRUE(q.push(a, 10, 100));
  EXPECT_FALSE(q.push(b, 10, 100));
  std::vector<op> batch;
  q.take(batch, 1);
  op c = body_of(60), d = body_of(30);
  EXPECT_TRUE(q.push(c, 10, 100)) << "the queue is empty again";
  EXPECT_TRUE(q.push(d, 10, 100)) << "60 + 30 <= 100";
  auto all = q.take_all();
  EXPECT_EQ(all.size(), 2u);
  EXPECT_TRUE(q.empty());
  op e = body_of(60), f = body_of(30);
  EXPECT_TRUE(q.push(e, 10, 100));
  EXPECT_TRUE(q.push(f, 10, 100)) << "take_all gave back every byte";
}

TEST(op_queue, admit_names_a_full_queue_overloaded_and_counts_it) {
  queue q;
  std::atomic<std::uint64_t> rejected{0};
  op a = ack{1}, b = ack{2};
  EXPECT_FALSE(q.admit(a, 1, 100, rejected));
  auto full = q.admit(b, 1, 100, rejected);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->code, make_error_code(errc::overloaded));
  EXPECT_EQ(rejected.load(), 1u);
  op au = audit{};
  EXPECT_FALSE(q.admit(au, 1, 100, rejected)) << "audit records pass a full queue";
  EXPECT_EQ(rejected.load(), 1u);
}

}  // namespace
}  // namespace jubes::storage
