// jubesctl: the admin CLI. Thin: parse flags, dispatch to gateway/src/ctl.cpp.
#include <cstdio>

int main(int, char**) {
  std::fprintf(stderr, "jubesctl: not implemented yet\n");
  return 1;
}
