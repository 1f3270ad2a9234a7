#include "audit.hpp"

#include <set>
#include <utility>

#include "storage/errors.hpp"

namespace shop::sim {

namespace {

bool is_injected(const storage_error& e) {
  return e.error_kind() == storage_error::kind::connection_lost;
}

/// The part all four decorators share: counted calls, the reliability reads,
/// the inbox audit and the guarded commit.
template <class Interface>
class audited_repository : public Interface {
public:
  audited_repository(const char* service, std::unique_ptr<Interface> inner,
                     std::shared_ptr<audit_log> log)
    : service_(service), inner_(std::move(inner)), log_(std::move(log)) {
  }

  using Interface::load_reliability;

  reliability_snapshot load_reliability(size_t max_events) override {
    return call([&] { return inner_->load_reliability(max_events); });
  }

  std::vector<outbox_record> load_outbox(int64_t after_seq,
                                         size_t limit) override {
    return call([&] { return inner_->load_outbox(after_seq, limit); });
  }

  std::optional<idempotency_record>
  find_idempotency(const std::string& scope, const std::string& key) override {
    return call([&] { return inner_->find_idempotency(scope, key); });
  }

  void ping() override {
    call([&] { inner_->ping(); });
  }

protected:
  /// Forwards a read, counting injected failures.
  template <class F>
  auto call(F f) {
    try {
      return f();
    } catch (const storage_error& e) {
      if (is_injected(e))
        ++log_->failed_calls;
      throw;
    }
  }

  void finding(const std::string& what) {
    if (log_->check_effects)
      log_->findings.push_back(std::string{service_} + ": " + what);
  }

  /// Audits a batch with `audit` (which may read committed data), then
  /// commits it. A refusal other than the injected one means the service
  /// tried to write something storage forbids.
  template <class Changes, class Audit>
  void audited_commit(const Changes& changes, Audit audit) {
    if (log_->check_effects) {
      call([&] { audit_inbox(changes.reliable); });
      call([&] { audit(); });
    }
    try {
      inner_->commit(changes);
    } catch (const storage_error& e) {
      if (is_injected(e))
        ++log_->failed_commits;
      else
        finding(std::string{"storage refused a commit: "} + e.what());
      throw;
    }
  }

  const char* service_;
  std::unique_ptr<Interface> inner_;
  std::shared_ptr<audit_log> log_;

private:
  /// An event is applied once: its inbox mark must move forward.
  void audit_inbox(const reliability_changes& changes) {
    if (changes.inbox.empty())
      return;
    auto committed = inner_->load_reliability().inbox;
    for (auto& [topic, seq] : changes.inbox) {
      auto i = committed.find(topic);
      auto mark = i == committed.end() ? int64_t{0} : i->second;
      if (seq <= mark)
        finding("event applied twice: commits inbox mark " + topic + " #"
                + std::to_string(seq) + " but #" + std::to_string(mark)
                + " was already committed");
    }
  }
};

class audited_users : public audited_repository<users_repository> {
public:
  using audited_repository::audited_repository;

  std::vector<user> load_users() override {
    return call([&] { return inner_->load_users(); });
  }

  std::map<user_id, std::string> load_password_hashes() override {
    return call([&] { return inner_->load_password_hashes(); });
  }

  void commit(const users_changes& changes) override {
    audited_commit(changes, [] {});
  }
};

class audited_billing : public audited_repository<billing_repository> {
public:
  using audited_repository::audited_repository;

  std::vector<account> load_accounts() override {
    return call([&] { return inner_->load_accounts(); });
  }

  int64_t max_ledger_id() override {
    return call([&] { return inner_->max_ledger_id(); });
  }

  std::optional<order_processed> find_charge(order_id id) override {
    return call([&] { return inner_->find_charge(id); });
  }

  order_id max_decided_order() override {
    return call([&] { return inner_->max_decided_order(); });
  }

  std::vector<ledger_entry> ledger(user_id user) override {
    return call([&] { return inner_->ledger(user); });
  }

  void commit(const billing_changes& changes) override {
    audited_commit(changes, [&] {
      std::set<order_id> decided;
      for (auto& x : changes.charges)
        if (!decided.insert(x.order).second || inner_->find_charge(x.order))
          finding("event applied twice: order " + std::to_string(x.order)
                  + " decided again");
      std::set<order_id> charged;
      for (auto& x : changes.entries)
        if (x.kind == ledger_kind::order_charge
            && !charged.insert(x.order).second)
          finding("event applied twice: order " + std::to_string(x.order)
                  + " charged twice in one batch");
    });
  }
};

class audited_orders : public audited_repository<orders_repository> {
public:
  using audited_repository::audited_repository;

  std::vector<user_id> load_known_users() override {
    return call([&] { return inner_->load_known_users(); });
  }

  std::vector<order> load_pending() override {
    return call([&] { return inner_->load_pending(); });
  }

  order_id max_order_id() override {
    return call([&] { return inner_->max_order_id(); });
  }

  std::optional<order> find_order(order_id id) override {
    return call([&] { return inner_->find_order(id); });
  }

  void commit(const orders_changes& changes) override {
    audited_commit(changes, [&] {
      std::set<order_id> moved;
      for (auto& x : changes.updated) {
        if (!moved.insert(x.id).second) {
          finding("event applied twice: order " + std::to_string(x.id)
                  + " moved twice in one batch");
          continue;
        }
        auto o = inner_->find_order(x.id);
        if (o && o->status != order_status::pending)
          finding("event applied twice: order " + std::to_string(x.id)
                  + " moved to " + to_string(x.status) + " but it is already "
                  + to_string(o->status));
      }
    });
  }
};

class audited_notifications
  : public audited_repository<notifications_repository> {
public:
  using audited_repository::audited_repository;

  std::vector<user> load_recipients() override {
    return call([&] { return inner_->load_recipients(); });
  }

  notification_id max_notification_id() override {
    return call([&] { return inner_->max_notification_id(); });
  }

  order_id max_notified_order() override {
    return call([&] { return inner_->max_notified_order(); });
  }

  std::vector<notification> list(const notification_filter& filter) override {
    return call([&] { return inner_->list(filter); });
  }

  void commit(const notifications_changes& changes) override {
    audited_commit(changes, [&] {
      std::set<order_id> notified;
      for (auto& x : changes.sent) {
        auto earlier = inner_->list(notification_filter{0, x.order, 1});
        if (!notified.insert(x.order).second || !earlier.empty())
          finding("event applied twice: a second message for order "
                  + std::to_string(x.order) + " (storage keeps only one)");
      }
    });
  }
};

template <class Decorator, class Interface>
repository_factory<Interface> wrap(const char* service,
                                   repository_factory<Interface> inner,
                                   std::shared_ptr<audit_log> log) {
  return [service, inner, log]() -> std::unique_ptr<Interface> {
    try {
      return std::make_unique<Decorator>(service, inner(), log);
    } catch (const storage_error& e) {
      if (is_injected(e))
        ++log->failed_calls;
      throw;
    }
  };
}

} // namespace

repository_factories audited(repository_factories inner,
                             std::shared_ptr<audit_log> log) {
  repository_factories result;
  result.users = wrap<audited_users>("users", inner.users, log);
  result.billing = wrap<audited_billing>("billing", inner.billing, log);
  result.orders = wrap<audited_orders>("orders", inner.orders, log);
  result.notifications
    = wrap<audited_notifications>("notifications", inner.notifications, log);
  return result;
}

} // namespace shop::sim
