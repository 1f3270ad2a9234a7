// Users' passwords: registration with a password, login, set_password, the
// bounded password pool, and what must never hold a secret (the stored
// Idempotency-Key request, USER_CREATED). Deterministic: the hashers are
// scheduled actors of the test coordinator, at libsodium's cheapest cost.

#include <sodium.h>

#include <string>
#include <vector>

#include <caf/local_actor.hpp>

#include "actors/codec.hpp"
#include "actors/idempotency.hpp"
#include "actors/passwords.hpp"
#include "fixture.hpp"

using namespace shop;
using namespace shop::test;

namespace {

/// A password long enough to find in a byte dump without false positives.
const std::string secret = "correct horse battery staple";

/// Options with a pool of `threads` hashers and room for `queue` waiting jobs.
service_options pool_options(size_t threads, size_t queue) {
  auto opts = fixture::test_options();
  opts.passwords.threads = threads;
  opts.passwords.queue = queue;
  return opts;
}

/// One hasher, one waiting job: the third outstanding job is refused.
struct small_pool : fixture {
  small_pool() : fixture(pool_options(1, 1)) {
  }
};

/// One hasher, no queue: a second outstanding job is refused.
struct single_slot : fixture {
  single_slot() : fixture(pool_options(1, 0)) {
  }
};

/// Two hashers: two jobs run at once and may finish in either order.
struct two_hashers : fixture {
  two_hashers() : fixture(pool_options(2, 8)) {
  }
};

/// Whether `x` holds a value (BOOST_TEST takes no explicit bool).
template <class T>
bool ok(const caf::expected<T>& x) {
  return static_cast<bool>(x);
}

/// Whether a job of the test scheduler is one of the password hashers.
bool is_hasher(caf::resumable* job) {
  auto actor = dynamic_cast<caf::local_actor*>(job);
  return actor != nullptr
         && std::string{actor->name()} == password_hasher_state::name;
}

/// The users repository of the fixture's store, as a restarted worker sees
/// it.
std::unique_ptr<users_repository> users_storage(fixture& f) {
  return make_memory_repositories(f.store).users();
}

/// Sends every request before the system runs, so that all of them are
/// outstanding at once, and returns the answers in sending order.
template <class R, class Handle, class Command>
std::vector<caf::expected<R>> ask_at_once(fixture& f, const Handle& dest,
                                          const std::vector<Command>& cmds) {
  std::vector<decltype(f.self->request(dest, caf::infinite, cmds.front()))>
    handles;
  for (auto& cmd : cmds)
    handles.push_back(f.self->request(dest, caf::infinite, cmd));
  f.sched.run();
  std::vector<caf::expected<R>> result;
  for (auto& h : handles)
    h.receive([&](R& x) { result.emplace_back(std::move(x)); },
              [&](caf::error& err) { result.emplace_back(std::move(err)); });
  BOOST_REQUIRE_EQUAL(result.size(), cmds.size());
  return result;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(passwords, fixture)

// -- login ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(login_with_the_right_password_answers_the_user) {
  auto id = register_ok("alice@example.com", "Alice", secret);
  auto u = login("alice@example.com", secret);
  BOOST_REQUIRE_MESSAGE(u, why(u));
  BOOST_TEST(u->id == id);
  BOOST_TEST(u->email == "alice@example.com");
  BOOST_TEST(u->name == "Alice");
}

BOOST_AUTO_TEST_CASE(login_email_is_case_insensitive) {
  auto id = register_ok("Bob@Example.com", "Bob", secret);
  auto u = login("bOB@example.COM", secret);
  BOOST_REQUIRE_MESSAGE(u, why(u));
  BOOST_TEST(u->id == id);
  BOOST_TEST(u->email == "Bob@Example.com"); // as registered
}

BOOST_AUTO_TEST_CASE(a_wrong_password_is_invalid_credentials) {
  register_ok("carol@example.com", "Carol", secret);
  for (auto wrong :
       {std::string{"correct horse battery stapl"}, secret + " ",
        std::string{"Correct horse battery staple"}, std::string{"12345678"}}) {
    auto u = login("carol@example.com", wrong);
    BOOST_REQUIRE(!u);
    BOOST_TEST(is(u.error(), errc::invalid_credentials));
  }
  BOOST_TEST(ok(login("carol@example.com", secret)));
}

BOOST_AUTO_TEST_CASE(every_failed_login_gets_the_same_error) {
  register_ok("dave@example.com", "Dave", secret);
  // A user without a password: an account from before passwords existed.
  users_changes legacy;
  legacy.created = {user{2, "old@example.com", "Old"}};
  users_storage(*this)->commit(legacy);
  crash(svc.users);
  auto wrong_password = login("dave@example.com", "not the password");
  auto unknown_email = login("nobody@example.com", secret);
  auto no_password = login("old@example.com", secret);
  auto malformed = login("dave@example.com", "short");
  for (auto* x : {&wrong_password, &unknown_email, &no_password, &malformed}) {
    BOOST_REQUIRE(!*x);
    BOOST_TEST(is(x->error(), errc::invalid_credentials));
    BOOST_TEST(sys.render(x->error()) == sys.render(wrong_password.error()));
  }
}

BOOST_FIXTURE_TEST_CASE(an_unknown_email_is_checked_on_the_pool_too,
                        single_slot) {
  // With one slot, a check against the dummy hash occupies the pool like a
  // real one: the login sent behind it finds the pool full.
  register_ok("erin@example.com", "Erin", secret);
  auto answers
    = ask_at_once<user>(*this, svc.users,
                        std::vector<credentials>{{"unknown@example.com",
                                                  secret},
                                                 {"erin@example.com", secret}});
  BOOST_REQUIRE(!answers[0]);
  BOOST_TEST(is(answers[0].error(), errc::invalid_credentials));
  BOOST_REQUIRE(!answers[1]);
  BOOST_TEST(is(answers[1].error(), errc::overloaded));
  BOOST_TEST(ok(login("erin@example.com", secret)));
}

// -- register -------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(register_refuses_bad_passwords_and_changes_nothing) {
  auto commits = store->commits();
  auto with = [](std::string password) {
    auto cmd = registration("frank@example.com", "Frank");
    cmd.password = std::move(password);
    return cmd;
  };
  for (auto bad :
       {std::string{}, std::string(7, 'x'), std::string(257, 'x'),
        std::string{"\xff\xfe password"}, std::string{"caf\xc3 latte"}}) {
    auto u = ask<user>(svc.users, with(bad));
    BOOST_REQUIRE(!u);
    BOOST_TEST(is(u.error(), errc::invalid_argument));
  }
  BOOST_TEST(store->commits() == commits);
  BOOST_TEST(users_storage(*this)->load_users().empty());
  // The bounds themselves are fine, as is any UTF-8.
  auto eight = ask<user>(svc.users, with(std::string(8, 'x')));
  BOOST_REQUIRE_MESSAGE(eight, why(eight));
  BOOST_TEST(eight->id == 1); // the refusals used no id
  auto longest = registration("grace@example.com", "Grace");
  longest.password = std::string(254, 'y') + "\xc3\xa9"; // 256 bytes
  BOOST_TEST(ok(ask<user>(svc.users, longest)));
  BOOST_TEST(ok(login("grace@example.com", longest.password)));
}

BOOST_FIXTURE_TEST_CASE(user_and_hash_commit_in_one_transaction,
                        held_user_events) {
  // A failed commit stores neither (the worker restarts from storage).
  store->fail_next_commits(1);
  auto failed = ask<user>(svc.users, registration("heidi@example.com", "H"));
  BOOST_REQUIRE(!failed);
  settle();
  BOOST_TEST(users_storage(*this)->load_users().empty());
  BOOST_TEST(users_storage(*this)->load_password_hashes().empty());
  // Nobody else commits here (the events are never acknowledged): one
  // commit holds the user, its hash, the event.
  auto commits = store->commits();
  auto id = register_ok("heidi@example.com", "Heidi", secret);
  BOOST_TEST(store->commits() == commits + 1);
  auto hashes = users_storage(*this)->load_password_hashes();
  BOOST_REQUIRE(hashes.count(id) == 1);
  BOOST_TEST(hashes[id].rfind("$argon2id$", 0) == 0);
  BOOST_TEST(hashes[id].find(secret) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(racing_registrations_of_one_email_register_once) {
  // Both pass the early check before either hash is done; staging checks
  // the email again.
  auto a = registration("ivan@example.com", "Ivan");
  auto b = registration("IVAN@example.com", "Ivan 2");
  auto answers
    = ask_at_once<user>(*this, svc.users, std::vector<register_user>{a, b});
  BOOST_REQUIRE_MESSAGE(answers[0], why(answers[0]));
  BOOST_REQUIRE(!answers[1]);
  BOOST_TEST(is(answers[1].error(), errc::email_taken));
  BOOST_TEST(users_storage(*this)->load_users().size() == 1u);
}

// -- Idempotency-Keys -----------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_retried_registration_registers_once) {
  auto cmd = registration("judy@example.com", "Judy", "reg-judy");
  cmd.password = secret;
  auto first = ask<user>(svc.users, cmd);
  BOOST_REQUIRE_MESSAGE(first, why(first));
  auto retry = ask<user>(svc.users, cmd);
  BOOST_REQUIRE_MESSAGE(retry, why(retry));
  BOOST_TEST(retry->id == first->id);
  // A retry is answered from the key even with another password; the first
  // password is the one that stays.
  cmd.password = "another password";
  auto other = ask<user>(svc.users, cmd);
  BOOST_REQUIRE_MESSAGE(other, why(other));
  BOOST_TEST(other->id == first->id);
  BOOST_TEST(users_storage(*this)->load_users().size() == 1u);
  BOOST_TEST(ok(login("judy@example.com", secret)));
  BOOST_TEST(!login("judy@example.com", "another password"));
  // Another request under the key is still refused.
  auto reused
    = ask<user>(svc.users, registration("other@example.com", "O", "reg-judy"));
  BOOST_REQUIRE(!reused);
  BOOST_TEST(is(reused.error(), errc::idempotency_key_reused));
}

BOOST_AUTO_TEST_CASE(racing_retries_of_a_registration_register_once) {
  // Both are hashed before either is staged: the second finds the first's
  // key staged and gets its reply.
  auto cmd = registration("kim@example.com", "Kim", "reg-kim");
  auto answers
    = ask_at_once<user>(*this, svc.users, std::vector<register_user>{cmd, cmd});
  BOOST_REQUIRE_MESSAGE(answers[0], why(answers[0]));
  BOOST_REQUIRE_MESSAGE(answers[1], why(answers[1]));
  BOOST_TEST(answers[0]->id == answers[1]->id);
  BOOST_TEST(users_storage(*this)->load_users().size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_request_a_key_stands_for_leaves_the_password_out) {
  auto cmd = registration("xavier@example.com", "Xavier", "reg-x");
  cmd.password = secret;
  auto bytes = detail::canonical_request(cmd);
  BOOST_TEST(bytes.find(secret) == std::string::npos);
  BOOST_TEST(bytes.find("horse") == std::string::npos);
  auto other = cmd;
  other.password = "another password";
  BOOST_TEST(detail::canonical_request(other) == bytes);
  // The rest of the registration still counts.
  other.name = "Xaver";
  BOOST_TEST(detail::canonical_request(other) != bytes);
}

BOOST_AUTO_TEST_CASE(the_stored_request_holds_no_password) {
  auto cmd = registration("leo@example.com", "Leo", "reg-leo");
  cmd.password = secret;
  auto u = ask<user>(svc.users, cmd);
  BOOST_REQUIRE_MESSAGE(u, why(u));
  auto rec = users_storage(*this)->find_idempotency("register", "reg-leo");
  BOOST_REQUIRE(rec);
  auto hash = users_storage(*this)->load_password_hashes().at(u->id);
  for (auto& bytes : {rec->request, rec->reply}) {
    BOOST_TEST(bytes.find(secret) == std::string::npos);
    BOOST_TEST(bytes.find("horse") == std::string::npos);
    BOOST_TEST(bytes.find(hash) == std::string::npos);
    BOOST_TEST(bytes.find("$argon2") == std::string::npos);
  }
  // What is stored is the registration without its password.
  register_user stored;
  BOOST_REQUIRE(decode(rec->request, stored));
  BOOST_TEST(stored.email == "leo@example.com");
  BOOST_TEST(stored.name == "Leo");
  BOOST_TEST(stored.password.empty());
}

// -- set_password ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(set_password_replaces_the_password) {
  auto id = register_ok("mia@example.com", "Mia", secret);
  auto u = ask<user>(svc.users, set_password{id, "a brand new one"});
  BOOST_REQUIRE_MESSAGE(u, why(u));
  BOOST_TEST(u->id == id);
  BOOST_TEST(u->email == "mia@example.com");
  BOOST_TEST(!login("mia@example.com", secret));
  BOOST_TEST(ok(login("mia@example.com", "a brand new one")));
  // Stored: a restarted worker knows the new one.
  crash(svc.users);
  BOOST_TEST(ok(login("mia@example.com", "a brand new one")));
}

BOOST_AUTO_TEST_CASE(set_password_gives_a_legacy_user_a_password) {
  users_changes legacy;
  legacy.created = {user{1, "old@example.com", "Old"}};
  users_storage(*this)->commit(legacy);
  crash(svc.users);
  BOOST_TEST(users_storage(*this)->load_password_hashes().empty());
  BOOST_TEST(!login("old@example.com", secret));
  auto u = ask<user>(svc.users, set_password{1, secret});
  BOOST_REQUIRE_MESSAGE(u, why(u));
  BOOST_TEST(ok(login("OLD@example.com", secret)));
  BOOST_TEST(users_storage(*this)->load_password_hashes().count(1) == 1);
}

BOOST_AUTO_TEST_CASE(set_password_refuses_unknown_users_and_bad_passwords) {
  auto id = register_ok("nina@example.com", "Nina", secret);
  auto commits = store->commits();
  auto unknown = ask<user>(svc.users, set_password{id + 1, "good password"});
  BOOST_REQUIRE(!unknown);
  BOOST_TEST(is(unknown.error(), errc::user_not_found));
  auto short_one = ask<user>(svc.users, set_password{id, "1234567"});
  BOOST_REQUIRE(!short_one);
  BOOST_TEST(is(short_one.error(), errc::invalid_argument));
  auto not_utf8 = ask<user>(svc.users, set_password{id, "\xc0\xaf password"});
  BOOST_REQUIRE(!not_utf8);
  BOOST_TEST(is(not_utf8.error(), errc::invalid_argument));
  BOOST_TEST(store->commits() == commits);
  BOOST_TEST(ok(login("nina@example.com", secret)));
}

BOOST_FIXTURE_TEST_CASE(the_later_set_password_wins_whatever_finishes_first,
                        two_hashers) {
  auto id = register_ok("oscar@example.com", "Oscar", secret);
  auto first
    = self->request(svc.users, caf::infinite, set_password{id, "first change"});
  auto second = self->request(svc.users, caf::infinite,
                              set_password{id, "second change"});
  // Run until both jobs wait at their hashers, then finish the second first.
  sched.run_jobs_filtered([](caf::resumable* job) { return !is_hasher(job); });
  BOOST_REQUIRE_EQUAL(sched.jobs.size(), 2u);
  BOOST_REQUIRE(is_hasher(sched.jobs.front()) && is_hasher(sched.jobs.back()));
  sched.run_once_lifo();
  sched.run();
  for (auto* h : {&first, &second})
    h->receive([&](user& u) { BOOST_TEST(u.id == id); },
               [&](caf::error& err) { BOOST_FAIL(sys.render(err)); });
  BOOST_TEST(ok(login("oscar@example.com", "second change")));
  BOOST_TEST(!login("oscar@example.com", "first change"));
  crash(svc.users);
  BOOST_TEST(ok(login("oscar@example.com", "second change")));
}

// -- the pool -------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(a_full_pool_answers_overloaded_at_once, small_pool) {
  register_ok("pat@example.com", "Pat", secret);
  // One job runs, one waits, the third finds no room.
  auto answers
    = ask_at_once<user>(*this, svc.users,
                        std::vector<credentials>{{"pat@example.com", secret},
                                                 {"pat@example.com",
                                                  "wrong password"},
                                                 {"pat@example.com", secret}});
  BOOST_TEST(ok(answers[0]));
  BOOST_REQUIRE(!answers[1]);
  BOOST_TEST(is(answers[1].error(), errc::invalid_credentials));
  BOOST_REQUIRE(!answers[2]);
  BOOST_TEST(is(answers[2].error(), errc::overloaded));
  // The slots are free again once the jobs are done.
  BOOST_TEST(ok(login("pat@example.com", secret)));
}

BOOST_FIXTURE_TEST_CASE(an_overloaded_registration_registers_nothing,
                        small_pool) {
  auto answers = ask_at_once<
    user>(*this, svc.users,
          std::vector<register_user>{registration("q1@example.com", "Q1"),
                                     registration("q2@example.com", "Q2"),
                                     registration("q3@example.com", "Q3")});
  BOOST_TEST(ok(answers[0]));
  BOOST_TEST(ok(answers[1]));
  BOOST_REQUIRE(!answers[2]);
  BOOST_TEST(is(answers[2].error(), errc::overloaded));
  BOOST_TEST(users_storage(*this)->load_users().size() == 2u);
  // Nothing was reserved: the address registers now.
  BOOST_TEST(register_ok("q3@example.com", "Q3") == 3);
}

BOOST_AUTO_TEST_CASE(a_restarted_worker_keeps_passwords_and_leaks_no_hasher) {
  auto id = register_ok("quinn@example.com", "Quinn", secret);
  auto running = sys.registry().running();
  for (int i = 0; i < 3; ++i)
    crash(svc.users);
  // The old workers' hashers stopped with them.
  BOOST_TEST(sys.registry().running() == running);
  // Also when a worker quits normally, which a link does not pass on.
  auto worker = worker_of(svc.users);
  caf::anon_send_exit(worker, caf::exit_reason::normal);
  settle();
  BOOST_REQUIRE(worker_of(svc.users).id() != worker.id());
  BOOST_TEST(sys.registry().running() == running);
  auto u = login("quinn@example.com", secret);
  BOOST_REQUIRE_MESSAGE(u, why(u));
  BOOST_TEST(u->id == id);
  // A whole new system on the same store.
  stop_services(svc);
  sched.run();
  svc = spawn_services(sys, make_memory_repositories(store), test_options());
  sched.run();
  BOOST_TEST(ok(login("quinn@example.com", secret)));
  BOOST_TEST(!login("quinn@example.com", "wrong password"));
}

BOOST_AUTO_TEST_CASE(a_hash_of_another_cost_is_renewed_at_login) {
  auto id = register_ok("ruth@example.com", "Ruth", secret);
  // A hash made with other parameters (as by an earlier --password-hash-cost).
  char old_hash[crypto_pwhash_STRBYTES];
  BOOST_REQUIRE(crypto_pwhash_str(old_hash, secret.data(), secret.size(), 2,
                                  crypto_pwhash_MEMLIMIT_MIN)
                == 0);
  users_changes changes;
  changes.passwords[id] = old_hash;
  users_storage(*this)->commit(changes);
  crash(svc.users);
  BOOST_TEST(!login("ruth@example.com", "wrong password"));
  BOOST_TEST(users_storage(*this)->load_password_hashes().at(id) == old_hash);
  BOOST_REQUIRE(ok(login("ruth@example.com", secret)));
  auto renewed = users_storage(*this)->load_password_hashes().at(id);
  BOOST_TEST(renewed != std::string{old_hash});
  BOOST_TEST(crypto_pwhash_str_needs_rehash(renewed.c_str(),
                                            crypto_pwhash_OPSLIMIT_MIN,
                                            crypto_pwhash_MEMLIMIT_MIN)
             == 0);
  BOOST_TEST(ok(login("ruth@example.com", secret)));
}

BOOST_FIXTURE_TEST_CASE(user_created_carries_no_password_or_hash,
                        held_user_events) {
  auto id = register_ok("sam@example.com", "Sam", secret);
  auto hash = users_storage(*this)->load_password_hashes().at(id);
  // The subscribers never acknowledge, so the event stays in the outbox.
  auto outbox = users_storage(*this)->load_reliability().outbox;
  BOOST_REQUIRE_EQUAL(outbox.size(), 1u);
  auto& payload = outbox.front().payload;
  BOOST_TEST(payload.find(secret) == std::string::npos);
  BOOST_TEST(payload.find(hash) == std::string::npos);
  BOOST_TEST(payload.find("$argon2") == std::string::npos);
  user_created event;
  BOOST_REQUIRE(decode(payload, event));
  BOOST_TEST(event.user == id);
  BOOST_TEST(event.email == "sam@example.com");
  BOOST_TEST(event.name == "Sam");
}

BOOST_AUTO_TEST_SUITE_END()
