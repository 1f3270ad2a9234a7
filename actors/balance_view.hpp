#pragma once

// Billing's read model: the committed balance of every account, readable
// from any thread without asking the Billing worker. Only the worker writes
// it, right after each commit and before anyone waiting for that commit
// hears of it (unit_of_work::on_committed), so a client that was told a
// deposit succeeded finds it in its next read; what is staged but not yet
// committed never shows. After a restart the worker loads every balance
// from storage again and republishes them.

#include <array>
#include <cstddef>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

#include "domain/money.hpp"
#include "domain/types.hpp"

namespace shop {

class balance_view {
public:
  balance_view() = default;
  balance_view(const balance_view&) = delete;
  balance_view& operator=(const balance_view&) = delete;

  /// The committed balance of `user`'s account; nullopt when the account
  /// does not exist or has not been committed yet (ask Billing then: it
  /// opens accounts on first touch). Safe from any thread.
  std::optional<money> find(user_id user) const {
    auto& s = shard_of(user);
    std::shared_lock<std::shared_mutex> guard{s.mtx};
    if (auto i = s.balances.find(user); i != s.balances.end())
      return i->second;
    return std::nullopt;
  }

  /// Records `user`'s committed balance. For the Billing worker only.
  void publish(user_id user, money balance) {
    auto& s = shard_of(user);
    std::unique_lock<std::shared_mutex> guard{s.mtx};
    s.balances.insert_or_assign(user, balance);
  }

private:
  /// Readers of different accounts rarely share a lock; a writer holds one
  /// shard at a time.
  static constexpr size_t shard_count = 64;

  struct shard {
    mutable std::shared_mutex mtx;
    std::unordered_map<user_id, money> balances;
  };

  shard& shard_of(user_id user) const {
    return shards_[static_cast<size_t>(user) % shard_count];
  }

  mutable std::array<shard, shard_count> shards_;
};

} // namespace shop
