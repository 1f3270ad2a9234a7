#include "storage/memory/memory_repositories.hpp"

#include <algorithm>
#include <limits>

#include "storage/memory/tables.hpp"

// Each commit first checks the whole batch (service changes and reliability
// changes) against the tables and the batch itself, as PostgreSQL's
// constraints would, and only then applies it: a commit that throws changes
// nothing.

namespace shop {

namespace {

using tables = memory_store::tables;

[[noreturn]] void reject(storage_error::kind k, const std::string& what) {
  throw storage_error(k, "", "storage: " + what);
}

[[noreturn]] void unique_violation(const std::string& what) {
  reject(storage_error::kind::unique_violation, what);
}

[[noreturn]] void constraint_violation(const std::string& what) {
  reject(storage_error::kind::constraint_violation, what);
}

/// Base of the four repositories: a view of the shared store, including the
/// reliability tables of the service (reliable_repository).
template <class Interface>
class memory_repository : public Interface {
public:
  /// Which service's reliability tables this repository uses.
  using reliability_member = memory::reliability_tables tables::*;

  memory_repository(std::shared_ptr<memory_store> store,
                    reliability_member reliability)
    : store_(std::move(store)), reliability_(reliability) {
  }

  using Interface::load_reliability;

  reliability_snapshot load_reliability(size_t max_events) override {
    return read([this, max_events](tables& t) {
      return memory::snapshot(t.*reliability_, max_events);
    });
  }

  std::vector<outbox_record> load_outbox(int64_t after_seq,
                                         size_t limit) override {
    return read([this, after_seq, limit](tables& t) {
      return memory::events_after(t.*reliability_, after_seq, limit);
    });
  }

  std::optional<idempotency_record>
  find_idempotency(const std::string& scope, const std::string& key) override {
    return read([&](tables& t) {
      return memory::find_idempotency(t.*reliability_, scope, key);
    });
  }

  void ping() override {
    read([](tables&) { return 0; });
  }

protected:
  template <class F>
  auto read(F&& f) {
    return store_->with_tables(false, std::forward<F>(f));
  }

  /// Commits a non-empty batch: `check(t)` throws what the constraints of the
  /// service's tables would reject, `apply(t)` applies the service's part.
  /// The reliability part is checked with the rest before anything changes,
  /// and applied after it; the commit counts only if nothing threw.
  template <class Check, class Apply>
  void write(const reliability_changes& changes, Check&& check, Apply&& apply) {
    store_->with_tables(true, [&](tables& t) {
      check(t);
      memory::check(t.*reliability_, changes);
      apply(t);
      memory::apply(t.*reliability_, changes);
      store_->count_commit();
    });
  }

private:
  std::shared_ptr<memory_store> store_;
  reliability_member reliability_;
};

// -- users --------------------------------------------------------------------

class memory_users_repository : public memory_repository<users_repository> {
public:
  explicit memory_users_repository(std::shared_ptr<memory_store> store)
    : memory_repository(std::move(store), &tables::users_reliability) {
  }

  std::vector<user> load_users() override {
    return read([](tables& t) {
      std::vector<user> result;
      for (auto& [id, x] : t.users)
        result.push_back(x);
      return result;
    });
  }

  std::map<user_id, std::string> load_password_hashes() override {
    return read([](tables& t) { return t.password_hashes; });
  }

  void commit(const users_changes& changes) override {
    if (changes.empty())
      return;
    auto check = [&](const tables& t) {
      std::set<user_id> ids;
      std::set<std::string> keys;
      for (auto& x : changes.created) {
        if (t.users.count(x.id) > 0 || !ids.insert(x.id).second)
          unique_violation("duplicate user id " + std::to_string(x.id));
        auto key = email_key(x.email);
        if (t.email_keys.count(key) > 0 || !keys.insert(key).second)
          unique_violation("duplicate email " + x.email);
      }
      for (auto& [id, hash] : changes.passwords)
        if (t.users.count(id) == 0 && ids.count(id) == 0)
          constraint_violation("a password hash for an unknown user");
    };
    auto apply = [&](tables& t) {
      for (auto& x : changes.created) {
        t.users.emplace(x.id, x);
        t.email_keys.insert(email_key(x.email));
      }
      for (auto& [id, hash] : changes.passwords)
        t.password_hashes[id] = hash;
    };
    write(changes.reliable, check, apply);
  }
};

// -- billing ------------------------------------------------------------------

class memory_billing_repository : public memory_repository<billing_repository> {
public:
  explicit memory_billing_repository(std::shared_ptr<memory_store> store)
    : memory_repository(std::move(store), &tables::billing_reliability) {
  }

  std::vector<account> load_accounts() override {
    return read([](tables& t) {
      std::vector<account> result;
      for (auto& [user, balance] : t.balances)
        result.push_back(account{user, balance});
      return result;
    });
  }

  int64_t max_ledger_id() override {
    return read([](tables& t) -> int64_t {
      return t.ledger_ids.empty() ? 0 : *t.ledger_ids.rbegin();
    });
  }

  std::optional<order_processed> find_charge(order_id id) override {
    return read([id](tables& t) -> std::optional<order_processed> {
      if (auto i = t.charges.find(id); i != t.charges.end())
        return i->second;
      return std::nullopt;
    });
  }

  order_id max_decided_order() override {
    return read([](tables& t) -> order_id {
      return t.charges.empty() ? 0 : t.charges.rbegin()->first;
    });
  }

  std::vector<ledger_entry> ledger(user_id user) override {
    return read([user](tables& t) {
      std::vector<ledger_entry> result;
      auto first
        = t.ledger.lower_bound({user, std::numeric_limits<int64_t>::min()});
      for (auto i = first; i != t.ledger.end() && i->first.first == user; ++i)
        result.push_back(i->second);
      return result;
    });
  }

  void commit(const billing_changes& changes) override {
    if (changes.empty())
      return;
    auto check = [&](const tables& t) { check_billing(t, changes); };
    auto apply = [&](tables& t) {
      for (auto& x : changes.opened)
        t.balances.emplace(x.user, x.balance);
      for (auto& x : changes.entries) {
        t.ledger.emplace(std::make_pair(x.user, x.id), x);
        t.ledger_ids.insert(x.id);
        // Later entries of the same account overwrite earlier ones: the
        // balance after the last entry wins.
        t.balances[x.user] = x.balance_after;
      }
      // Like billing.order_charges, which has no seq column.
      for (auto x : changes.charges) {
        x.seq = 0;
        t.charges.emplace(x.order, x);
      }
    };
    write(changes.reliable, check, apply);
  }

private:
  /// Throws what the constraints of billing.sql would reject.
  static void check_billing(const tables& t, const billing_changes& changes) {
    std::set<user_id> opened;
    for (auto& x : changes.opened) {
      if (t.balances.count(x.user) > 0 || !opened.insert(x.user).second)
        unique_violation("duplicate account " + std::to_string(x.user));
      if (x.balance.cents() < 0)
        constraint_violation("negative balance of account "
                             + std::to_string(x.user));
    }
    std::set<int64_t> ids;
    for (auto& x : changes.entries) {
      if (t.ledger_ids.count(x.id) > 0 || !ids.insert(x.id).second)
        unique_violation("duplicate ledger entry " + std::to_string(x.id));
      if (t.balances.count(x.user) == 0 && opened.count(x.user) == 0)
        constraint_violation("ledger entry for unknown account "
                             + std::to_string(x.user));
      if (x.balance_after.cents() < 0)
        constraint_violation("negative balance of account "
                             + std::to_string(x.user));
    }
    std::set<order_id> orders;
    for (auto& x : changes.charges)
      if (t.charges.count(x.order) > 0 || !orders.insert(x.order).second)
        unique_violation("duplicate charge of order "
                         + std::to_string(x.order));
  }
};

// -- orders -------------------------------------------------------------------

class memory_orders_repository : public memory_repository<orders_repository> {
public:
  explicit memory_orders_repository(std::shared_ptr<memory_store> store)
    : memory_repository(std::move(store), &tables::orders_reliability) {
  }

  std::vector<user_id> load_known_users() override {
    return read([](tables& t) {
      return std::vector<user_id>(t.known_users.begin(), t.known_users.end());
    });
  }

  std::vector<order> load_pending() override {
    return read([](tables& t) {
      std::vector<order> result;
      for (auto& [id, x] : t.orders)
        if (x.status == order_status::pending)
          result.push_back(x);
      return result;
    });
  }

  order_id max_order_id() override {
    return read([](tables& t) -> order_id {
      return t.orders.empty() ? 0 : t.orders.rbegin()->first;
    });
  }

  std::optional<order> find_order(order_id id) override {
    return read([id](tables& t) -> std::optional<order> {
      if (auto i = t.orders.find(id); i != t.orders.end())
        return i->second;
      return std::nullopt;
    });
  }

  void commit(const orders_changes& changes) override {
    if (changes.empty())
      return;
    auto check = [&](const tables& t) {
      std::set<order_id> ids;
      for (auto& x : changes.created) {
        if (t.orders.count(x.id) > 0 || !ids.insert(x.id).second)
          unique_violation("duplicate order " + std::to_string(x.id));
        if (x.quantity <= 0 || x.sum.cents() < 0)
          constraint_violation("invalid quantity or sum of order "
                               + std::to_string(x.id));
      }
    };
    auto apply = [&](tables& t) {
      t.known_users.insert(changes.known_users.begin(),
                           changes.known_users.end());
      for (auto& x : changes.created)
        t.orders.emplace(x.id, x);
      // Only pending orders move; "moving" to pending is no transition.
      for (auto& x : changes.updated) {
        auto i = t.orders.find(x.id);
        if (x.status == order_status::pending || i == t.orders.end()
            || i->second.status != order_status::pending)
          continue;
        i->second.status = x.status;
        i->second.updated_at = x.at;
      }
    };
    write(changes.reliable, check, apply);
  }
};

// -- notifications ------------------------------------------------------------

class memory_notifications_repository
  : public memory_repository<notifications_repository> {
public:
  explicit memory_notifications_repository(std::shared_ptr<memory_store> store)
    : memory_repository(std::move(store), &tables::notifications_reliability) {
  }

  std::vector<user> load_recipients() override {
    return read([](tables& t) {
      std::vector<user> result;
      for (auto& [id, x] : t.recipients)
        result.push_back(x);
      return result;
    });
  }

  notification_id max_notification_id() override {
    return read([](tables& t) -> notification_id {
      return t.messages.empty() ? 0 : t.messages.rbegin()->first;
    });
  }

  order_id max_notified_order() override {
    return read([](tables& t) -> order_id {
      return t.notified_orders.empty() ? 0 : *t.notified_orders.rbegin();
    });
  }

  std::vector<notification> list(const notification_filter& filter) override {
    return read([&](tables& t) {
      std::vector<notification> result;
      auto limit = static_cast<size_t>(std::max(filter.limit, int32_t{0}));
      for (auto i = t.messages.rbegin();
           i != t.messages.rend() && result.size() < limit; ++i) {
        auto& x = i->second;
        if ((filter.user == 0 || x.user == filter.user)
            && (filter.order == 0 || x.order == filter.order))
          result.push_back(x);
      }
      return result;
    });
  }

  void commit(const notifications_changes& changes) override {
    if (changes.empty())
      return;
    // A message for an order that already has one is dropped (ON CONFLICT
    // (order_id) DO NOTHING); a duplicate id among the others is an error.
    std::vector<const notification*> kept;
    auto check = [&](const tables& t) {
      std::set<order_id> orders;
      std::set<notification_id> ids;
      for (auto& x : changes.sent) {
        if (t.notified_orders.count(x.order) > 0 || orders.count(x.order) > 0)
          continue;
        if (t.messages.count(x.id) > 0 || !ids.insert(x.id).second)
          unique_violation("duplicate notification " + std::to_string(x.id));
        orders.insert(x.order);
        kept.push_back(&x);
      }
    };
    auto apply = [&](tables& t) {
      for (auto& x : changes.recipients)
        t.recipients[x.id] = x;
      for (auto* x : kept) {
        t.messages.emplace(x->id, *x);
        t.notified_orders.insert(x->order);
      }
    };
    write(changes.reliable, check, apply);
  }
};

template <class Repository, class Interface>
repository_factory<Interface> factory(std::shared_ptr<memory_store> store) {
  return [store]() -> std::unique_ptr<Interface> {
    // Like connecting to a database that is down.
    store->check_available();
    return std::make_unique<Repository>(store);
  };
}

} // namespace

repository_factories
make_memory_repositories(std::shared_ptr<memory_store> store) {
  repository_factories result;
  result.users = factory<memory_users_repository, users_repository>(store);
  result.billing
    = factory<memory_billing_repository, billing_repository>(store);
  result.orders = factory<memory_orders_repository, orders_repository>(store);
  result.notifications
    = factory<memory_notifications_repository, notifications_repository>(store);
  return result;
}

} // namespace shop
