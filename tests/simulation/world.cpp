#include "world.hpp"

#include <iostream>

namespace shop::sim {

const char* to_string(op_kind x) {
  switch (x) {
    case op_kind::register_user:
      return "register";
    case op_kind::deposit:
      return "deposit";
    case op_kind::payment:
      return "payment";
    case op_kind::order:
      return "createOrder";
    case op_kind::key_reuse:
      return "deposit(key reused)";
    case op_kind::login:
      return "login";
  }
  return "?";
}

std::string op_record::describe() const {
  std::string out = "op #" + std::to_string(id) + " (client "
                    + std::to_string(client) + ", " + to_string(kind) + ", key "
                    + key + ": ";
  switch (kind) {
    case op_kind::register_user:
      out += reg.email;
      break;
    case op_kind::deposit:
    case op_kind::key_reuse:
      out
        += "user " + std::to_string(dep.user) + " +" + shop::to_string(dep.sum);
      break;
    case op_kind::payment:
      out
        += "user " + std::to_string(pay.user) + " -" + shop::to_string(pay.sum);
      break;
    case op_kind::order:
      out += "user " + std::to_string(ord.user) + " item "
             + std::to_string(ord.item) + " x" + std::to_string(ord.quantity);
      break;
    case op_kind::login:
      // Test passwords, no secrets: the message shows which one was sent.
      out += login.email + " '" + login.password + "'";
      break;
  }
  out += ")";
  return out;
}

scenario_stats& scenario_stats::operator+=(const scenario_stats& x) {
  scenarios += x.scenarios;
  operations += x.operations;
  logins += x.logins;
  attempts += x.attempts;
  kills += x.kills;
  failed_commits += x.failed_commits;
  outages += x.outages;
  restarts += x.restarts;
  deliveries += x.deliveries;
  duplicates += x.duplicates;
  delayed += x.delayed;
  dropped += x.dropped;
  acks_dropped += x.acks_dropped;
  republished += x.republished;
  steps += x.steps;
  virtual_ms += x.virtual_ms;
  checks += x.checks;
  return *this;
}

void world::note(const std::string& line) const {
  if (verbose)
    std::cerr << "[sim " << seed << "] " << line << '\n';
}

std::vector<item> sim_catalog() {
  return {{1, "Laptop", money::from_cents(150000)},
          {2, "Headphones", money::from_cents(30000)},
          {3, "Book", money::from_cents(2500)}};
}

std::string render(const user& x) {
  return "user{" + std::to_string(x.id) + "," + x.email + "," + x.name + "}";
}

std::string render(const account& x) {
  return "account{" + std::to_string(x.user) + "," + to_string(x.balance) + "}";
}

std::string render(const payment_outcome& x) {
  return std::string{"payment{"} + std::to_string(x.user) + ","
         + to_string(x.result) + "," + to_string(x.balance) + "}";
}

std::string render(const order& x) {
  return "order{" + std::to_string(x.id) + "," + std::to_string(x.user) + ","
         + std::to_string(x.item) + "," + std::to_string(x.quantity) + ","
         + to_string(x.sum) + "," + to_string(x.status) + "}";
}

} // namespace shop::sim
