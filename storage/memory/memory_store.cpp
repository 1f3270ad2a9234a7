#include "storage/memory/memory_repositories.hpp"

#include "storage/memory/tables.hpp"

namespace shop {

namespace {

[[noreturn]] void throw_unavailable() {
  throw storage_error(storage_error::kind::connection_lost, "",
                      "storage: memory store unavailable (injected fault)");
}

} // namespace

memory_store::memory_store() : tables_(std::make_unique<tables>()) {
}

memory_store::~memory_store() = default;

void memory_store::fail_next_commits(int n, storage_error::kind k) {
  std::lock_guard<std::mutex> guard{mtx_};
  pending_failures_ = n;
  failure_kind_ = k;
}

void memory_store::set_unavailable(bool value) {
  std::lock_guard<std::mutex> guard{mtx_};
  unavailable_ = value;
}

int64_t memory_store::commits() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return commits_;
}

void memory_store::check_available() const {
  std::lock_guard<std::mutex> guard{mtx_};
  if (unavailable_)
    throw_unavailable();
}

void memory_store::check_faults(bool is_commit) {
  if (unavailable_)
    throw_unavailable();
  if (is_commit && pending_failures_ > 0) {
    --pending_failures_;
    throw storage_error(failure_kind_, "",
                        "storage: commit failed (injected fault)");
  }
}

} // namespace shop
