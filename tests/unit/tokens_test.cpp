// Login tokens (http/tokens.hpp), credentials (http/auth.hpp) and the login
// throttle: signing and verification, every way a token is refused, key
// rotation, the Authorization header's syntax, secret files and the failed
// login windows. Time is passed in, so nothing here waits.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <sodium.h>

#include "common/secret_file.hpp"
#include "http/auth.hpp"
#include "http/tokens.hpp"
#include "support/base64url.hpp"

namespace shop::http {

std::ostream& operator<<(std::ostream& out, token_status x) {
  return out << to_string(x);
}

} // namespace shop::http

using namespace shop;
using namespace shop::http;

namespace {

constexpr int64_t now = 1'800'000'000;

token_key key_of(char c) {
  return make_token_key(std::string(32, c));
}

std::string b64(const std::string& text) {
  return shop::test::base64url(text);
}

std::string unb64(const std::string& text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  BOOST_REQUIRE(sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()),
                                  out.size(), text.data(), text.size(), nullptr,
                                  &len, nullptr,
                                  sodium_base64_VARIANT_URLSAFE_NO_PADDING)
                == 0);
  out.resize(len);
  return out;
}

struct parts {
  std::string header, payload, signature;
};

parts split(const std::string& token) {
  auto a = token.find('.');
  auto b = token.find('.', a + 1);
  return {token.substr(0, a), token.substr(a + 1, b - a - 1),
          token.substr(b + 1)};
}

/// Signs header.payload with `key` the way a forger who knows it would.
std::string forge(const token_key& key, const std::string& header_json,
                  const std::string& payload_json) {
  auto input = b64(header_json) + "." + b64(payload_json);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st,
                              reinterpret_cast<const unsigned char*>(
                                key.secret.data()),
                              key.secret.size());
  crypto_auth_hmacsha256_update(&st,
                                reinterpret_cast<const unsigned char*>(
                                  input.data()),
                                input.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return input + "."
         + b64(std::string(reinterpret_cast<char*>(mac), sizeof mac));
}

token_status check(const token_authority& auth, const std::string& token,
                   int64_t at = now) {
  token_claims claims;
  return auth.verify(token, at, claims);
}

} // namespace

BOOST_AUTO_TEST_SUITE(tokens)

BOOST_AUTO_TEST_CASE(an_issued_token_is_a_jwt_that_verifies) {
  token_authority auth{key_of('a'), std::nullopt, 3600};
  auto token = auth.issue(42, now);
  auto p = split(token);
  auto header = nlohmann::json::parse(unb64(p.header));
  BOOST_TEST(header["alg"] == "HS256");
  BOOST_TEST(header["typ"] == "JWT");
  BOOST_TEST(header["kid"] == key_of('a').kid);
  BOOST_TEST(key_of('a').kid.size() == 16u);
  // The kid reveals nothing of the secret.
  BOOST_TEST(key_of('a').kid.find("aaaa") == std::string::npos);
  auto payload = nlohmann::json::parse(unb64(p.payload));
  BOOST_TEST(payload["sub"] == "42");
  BOOST_TEST(payload["role"] == "user");
  BOOST_TEST(payload["iat"] == now);
  BOOST_TEST(payload["exp"] == now + 3600);
  token_claims claims;
  BOOST_TEST(auth.verify(token, now, claims) == token_status::valid);
  BOOST_TEST(claims.user == 42);
  BOOST_TEST(claims.expires_at == now + 3600);
}

BOOST_AUTO_TEST_CASE(a_token_expires_at_exp) {
  token_authority auth{key_of('a'), std::nullopt, 1};
  auto token = auth.issue(1, now);
  BOOST_TEST(check(auth, token, now) == token_status::valid);
  BOOST_TEST(check(auth, token, now + 1) == token_status::expired);
  BOOST_TEST(check(auth, token, now + 100000) == token_status::expired);
}

BOOST_AUTO_TEST_CASE(tampering_breaks_the_signature) {
  token_authority auth{key_of('a'), std::nullopt, 3600};
  auto token = auth.issue(42, now);
  auto p = split(token);
  // Another user in the payload, the signature kept.
  auto other = b64(R"({"sub":"43","role":"user","iat":)" + std::to_string(now)
                   + R"(,"exp":)" + std::to_string(now + 3600) + "}");
  BOOST_TEST(check(auth, p.header + "." + other + "." + p.signature)
             == token_status::bad_signature);
  // A signature byte changed.
  auto sig = p.signature;
  sig[3] = sig[3] == 'A' ? 'B' : 'A';
  BOOST_TEST(check(auth, p.header + "." + p.payload + "." + sig)
             == token_status::bad_signature);
  // No signature at all.
  BOOST_TEST(check(auth, p.header + "." + p.payload + ".")
             == token_status::bad_signature);
}

BOOST_AUTO_TEST_CASE(only_hs256_is_accepted) {
  token_authority auth{key_of('a'), std::nullopt, 3600};
  auto kid = key_of('a').kid;
  auto payload = R"({"sub":"1","role":"user","iat":)" + std::to_string(now)
                 + R"(,"exp":)" + std::to_string(now + 60) + "}";
  // alg none, unsigned (the classic JWT bypass), with and without kid.
  for (auto header : {std::string{R"({"alg":"none"})"},
                      R"({"alg":"none","kid":")" + kid + R"("})",
                      R"({"alg":"None","kid":")" + kid + R"("})"}) {
    BOOST_TEST(check(auth, b64(header) + "." + b64(payload) + ".")
                 == token_status::wrong_algorithm,
               header);
  }
  // Another HMAC, even correctly signed with our key.
  BOOST_TEST(
    check(auth, forge(key_of('a'), R"({"alg":"HS512","kid":")" + kid + R"("})",
                      payload))
    == token_status::wrong_algorithm);
  BOOST_TEST(
    check(auth, forge(key_of('a'), R"({"kid":")" + kid + R"("})", payload))
    == token_status::malformed);
  BOOST_TEST(
    check(auth, forge(key_of('a'),
                      R"({"alg":"HS256","kid":")" + kid + R"(","crit":["x"]})",
                      payload))
    == token_status::malformed);
  // The same header with HS256 and our key is fine: forge() is right.
  BOOST_TEST(
    check(auth, forge(key_of('a'), R"({"alg":"HS256","kid":")" + kid + R"("})",
                      payload))
    == token_status::valid);
}

BOOST_AUTO_TEST_CASE(claims_are_checked) {
  token_authority auth{key_of('a'), std::nullopt, 3600};
  auto header = R"({"alg":"HS256","kid":")" + key_of('a').kid + R"("})";
  auto exp = std::to_string(now + 60);
  auto with = [&](const std::string& payload) {
    return check(auth, forge(key_of('a'), header, payload));
  };
  BOOST_TEST(with(R"({"sub":"1","role":"operator","iat":1,"exp":)" + exp + "}")
             == token_status::wrong_role);
  for (auto bad :
       {R"({"sub":1,"role":"user","iat":1,"exp":)" + exp + "}",
        R"({"sub":"0","role":"user","iat":1,"exp":)" + exp + "}",
        R"({"sub":"01","role":"user","iat":1,"exp":)" + exp + "}",
        R"({"sub":"-1","role":"user","iat":1,"exp":)" + exp + "}",
        R"({"sub":"99999999999999999999","role":"user","iat":1,"exp":)" + exp
          + "}",
        R"({"role":"user","iat":1,"exp":)" + exp + "}",
        R"({"sub":"1","iat":1,"exp":)" + exp + "}",
        std::string{R"({"sub":"1","role":"user","iat":1})"},
        R"({"sub":"1","role":"user","iat":1,"exp":")" + exp + "\"}",
        R"({"sub":"1","role":"user","iat":1.5,"exp":)" + exp + "}",
        std::string{R"(["sub"])"}, std::string{"not json"}}) {
    BOOST_TEST(with(bad) == token_status::malformed, bad);
  }
}

BOOST_AUTO_TEST_CASE(malformed_tokens) {
  token_authority auth{key_of('a'), std::nullopt, 3600};
  auto token = auth.issue(1, now);
  for (auto bad : {std::string{}, std::string{"abc"}, std::string{"a.b"},
                   token + ".x", std::string{"..."}, "!" + token.substr(1),
                   token.substr(0, token.find('.')) + "=."
                     + token.substr(token.find('.') + 1),
                   std::string(5000, 'a')}) {
    BOOST_TEST(check(auth, bad) != token_status::valid, bad);
  }
  BOOST_TEST(check(auth, std::string(max_token_bytes + 1, 'a'))
             == token_status::malformed);
}

BOOST_AUTO_TEST_CASE(rotation_keeps_old_tokens_until_they_expire) {
  token_authority before{key_of('o'), std::nullopt, 3600};
  auto old_token = before.issue(5, now);
  token_authority after{key_of('n'), key_of('o'), 3600};
  BOOST_TEST(check(after, old_token) == token_status::valid);
  BOOST_TEST(check(after, old_token, now + 3600) == token_status::expired);
  // New tokens are signed with the new key only.
  auto new_token = after.issue(5, now);
  BOOST_TEST(check(after, new_token) == token_status::valid);
  BOOST_TEST(check(before, new_token) == token_status::unknown_key);
  // Once the previous key is dropped, its tokens are refused.
  token_authority later{key_of('n'), std::nullopt, 3600};
  BOOST_TEST(check(later, old_token) == token_status::unknown_key);
  // A token naming our kid but signed with another secret.
  auto header = R"({"alg":"HS256","kid":")" + key_of('n').kid + R"("})";
  BOOST_TEST(check(later, forge(key_of('x'), header,
                                R"({"sub":"1","role":"user","iat":1,"exp":)"
                                  + std::to_string(now + 9) + "}"))
             == token_status::bad_signature);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(credentials)

struct fixture {
  std::shared_ptr<const token_authority> tokens
    = std::make_shared<const token_authority>(key_of('a'), std::nullopt, 60);
  authenticator auth{tokens, "the-operator-secret-of-32-bytes-or-more"};
};

BOOST_FIXTURE_TEST_CASE(bearer_credentials, fixture) {
  auto token = tokens->issue(9, now);
  for (auto value : {"Bearer " + token, "bearer " + token, "BEARER  " + token,
                     "Bearer " + token + " "}) {
    auto got = auth.authenticate({value}, now);
    BOOST_TEST(got.who.is_user(), value);
    BOOST_TEST(got.who.user == 9);
    BOOST_TEST(!got.invalid);
  }
  auto op
    = auth.authenticate({"Bearer the-operator-secret-of-32-bytes-or-more"},
                        now);
  BOOST_TEST(op.who.is_operator());
  BOOST_TEST(op.who.scope() == "operator");
  auto none = auth.authenticate({}, now);
  BOOST_TEST(!none.who.is_user());
  BOOST_TEST(!none.who.is_operator());
  BOOST_TEST(!none.invalid);
  BOOST_TEST(none.who.scope() == "anyone");
  BOOST_TEST(auth.authenticate({"Bearer " + token}, now).who.scope()
             == "user:9");
}

BOOST_FIXTURE_TEST_CASE(refused_credentials, fixture) {
  auto token = tokens->issue(9, now);
  const std::vector<std::string>
    values{"Basic dXNlcjpwYXNz",
           "Bearer",
           "Bearer ",
           token,
           "Token " + token,
           "Bearer " + token + "x",
           "Bearer the-operator-secret-of-32-bytes-or-mor",
           "Bearer the-operator-secret-of-32-bytes-or-moree",
           "Bearer a,b",
           "Bearer " + token + " extra"};
  for (const auto& value : values) {
    auto got = auth.authenticate({value}, now);
    BOOST_TEST(got.invalid, value);
    BOOST_TEST(!got.who.is_user());
    BOOST_TEST(!got.who.is_operator());
  }
  // Two Authorization headers, even both valid.
  std::string a = "Bearer " + token;
  BOOST_TEST(auth.authenticate({a, a}, now).invalid);
  // Expired.
  BOOST_TEST(auth.authenticate({a}, now + 60).invalid);
}

BOOST_FIXTURE_TEST_CASE(cached_tokens_stay_their_own, fixture) {
  // The cache of verified tokens is keyed by each token's digest: a cached
  // token answers for its own user only, and a token one character away
  // from a cached one is verified (and refused) like any other.
  std::vector<std::string> bearers;
  for (user_id u = 1; u <= 50; ++u)
    bearers.push_back("Bearer " + tokens->issue(u, now));
  for (int round = 0; round < 2; ++round)
    for (size_t i = 0; i < bearers.size(); ++i) {
      auto got = auth.authenticate({bearers[i]}, now);
      BOOST_TEST(!got.invalid);
      BOOST_TEST(got.who.user == static_cast<user_id>(i + 1));
    }
  auto tampered = bearers[0];
  // Inside the signature (its last character carries unused bits).
  auto& c = tampered[tampered.size() - 5];
  c = c == 'A' ? 'B' : 'A';
  BOOST_TEST(auth.authenticate({tampered}, now).invalid);
  // A cached token still expires.
  BOOST_TEST(auth.authenticate({bearers[0]}, now + 60).invalid);
}

BOOST_AUTO_TEST_CASE(no_operator_without_a_secret) {
  authenticator auth{ephemeral_tokens(60), ""};
  BOOST_TEST(!auth.authenticate({"Bearer "}, now).who.is_operator());
  BOOST_TEST(!auth.authenticate({"Bearer x"}, now).who.is_operator());
}

BOOST_AUTO_TEST_CASE(unauthorized_challenges) {
  authentication missing;
  auto a = unauthorized(missing);
  BOOST_TEST(a.status == 401);
  BOOST_TEST(a.www_authenticate == R"(Bearer realm="actorshop")");
  authentication bad{principal{}, true, "expired"};
  auto b = unauthorized(bad);
  BOOST_TEST(b.www_authenticate
             == R"(Bearer realm="actorshop", error="invalid_token")");
  // The reason stays in the log.
  BOOST_TEST((b.message.find("expired") == std::string::npos
              || b.message.find("invalid or expired") != std::string::npos));
  BOOST_TEST(forbidden().status == 403);
}

BOOST_AUTO_TEST_CASE(secret_files) {
  auto dir = std::filesystem::temp_directory_path()
             / ("actorshop-secret-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto write
    = [&](const std::string& name, const std::string& data, mode_t mode) {
        auto path = (dir / name).string();
        std::ofstream{path, std::ios::binary} << data;
        ::chmod(path.c_str(), mode);
        return path;
      };
  std::string out;
  auto good = write("good", std::string(32, 'k'), 0600);
  BOOST_TEST(read_secret_file(good, 32, false, out).empty());
  BOOST_TEST(out == std::string(32, 'k'));
  auto readable = write("readable", std::string(32, 'k'), 0640);
  auto err = read_secret_file(readable, 32, false, out);
  BOOST_TEST(err.find("group or others") != std::string::npos, err);
  auto world = write("world", std::string(32, 'k'), 0604);
  BOOST_TEST(!read_secret_file(world, 32, false, out).empty());
  auto short_one = write("short", std::string(31, 'k'), 0600);
  err = read_secret_file(short_one, 32, false, out);
  BOOST_TEST(err.find("fewer than the 32") != std::string::npos, err);
  // The message never shows the secret.
  BOOST_TEST(err.find("kkkk") == std::string::npos);
  auto text = write("text", std::string(32, 't') + "\n", 0600);
  BOOST_TEST(read_secret_file(text, 32, true, out).empty());
  BOOST_TEST(out == std::string(32, 't'));
  BOOST_TEST(
    !read_secret_file((dir / "absent").string(), 32, false, out).empty());
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(the_login_throttle_windows) {
  using namespace std::chrono;
  using outcome = login_throttle::outcome;
  login_throttle throttle{{5, 6, seconds{600}}};
  auto t0 = steady_clock::time_point{} + hours{1};
  auto fail = [&](const std::string& email, const std::string& address,
                  steady_clock::time_point at) {
    BOOST_REQUIRE(throttle.admit(email, address, at) == 0u);
    throttle.finished(email, address, outcome::failed, at);
  };
  for (int i = 0; i < 5; ++i)
    fail("ann", "10.0.0.1", t0 + seconds{i});
  // Five failures within the window: the sixth attempt waits until the
  // oldest leaves it, from any address.
  BOOST_TEST(throttle.admit("ann", "10.0.0.2", t0 + seconds{5}) == 595u);
  BOOST_TEST(throttle.admit("ann", "10.0.0.1", t0 + seconds{599}) == 1u);
  // Other emails from the same address are not blocked yet ...
  BOOST_TEST(throttle.admit("bob", "10.0.0.1", t0 + seconds{5}) == 0u);
  throttle.finished("bob", "10.0.0.1", outcome::undecided, t0 + seconds{5});
  // ... until the address has max_per_address failures across emails.
  fail("user0", "10.0.0.1", t0 + seconds{6});
  BOOST_TEST(throttle.admit("carol", "10.0.0.1", t0 + seconds{7}) > 0u);
  BOOST_TEST(throttle.admit("carol", "10.0.0.3", t0 + seconds{7}) == 0u);
  throttle.finished("carol", "10.0.0.3", outcome::succeeded, t0 + seconds{7});
  // The window passes.
  BOOST_TEST(throttle.admit("ann", "10.0.0.4", t0 + seconds{601}) == 0u);
  throttle.finished("ann", "10.0.0.4", outcome::succeeded, t0 + seconds{601});
  // A success forgets the email's failures.
  BOOST_TEST(throttle.admit("ann", "10.0.0.9", t0 + seconds{602}) == 0u);
  throttle.finished("ann", "10.0.0.9", outcome::undecided, t0 + seconds{602});
}

// The throttle remembers failures, not logins: a login that succeeded or
// ended undecided leaves nothing behind (at 100,000 users who each logged
// in once, the entries of successful logins were 70 MB of the front's heap).
BOOST_AUTO_TEST_CASE(the_login_throttle_forgets_what_it_need_not_count) {
  using namespace std::chrono;
  using outcome = login_throttle::outcome;
  login_throttle throttle{{5, 50, seconds{600}}};
  auto t0 = steady_clock::time_point{} + hours{1};
  for (int i = 0; i < 1000; ++i) {
    auto email = "user" + std::to_string(i);
    BOOST_REQUIRE(throttle.admit(email, "10.0.0.1", t0) == 0u);
    BOOST_TEST(throttle.tracked() == 2u);
    throttle.finished(email, "10.0.0.1",
                      i % 2 == 0 ? outcome::succeeded : outcome::undecided, t0);
  }
  BOOST_TEST(throttle.tracked() == 0u);
  // A failure is remembered for its email and its address, until the
  // window passes ...
  BOOST_REQUIRE(throttle.admit("ann", "10.0.0.2", t0) == 0u);
  throttle.finished("ann", "10.0.0.2", outcome::failed, t0);
  BOOST_TEST(throttle.tracked() == 2u);
  BOOST_REQUIRE(throttle.admit("ann", "10.0.0.2", t0 + seconds{601}) == 0u);
  throttle.finished("ann", "10.0.0.2", outcome::undecided, t0 + seconds{601});
  BOOST_TEST(throttle.tracked() == 0u);
  // ... and a refused attempt adds nothing.
  for (int i = 0; i < 5; ++i) {
    BOOST_REQUIRE(throttle.admit("bob", "10.0.0.3", t0) == 0u);
    throttle.finished("bob", "10.0.0.3", outcome::failed, t0);
  }
  BOOST_TEST(throttle.tracked() == 2u);
  BOOST_TEST(throttle.admit("bob", "10.0.0.4", t0) > 0u);
  BOOST_TEST(throttle.tracked() == 2u);
}

BOOST_AUTO_TEST_CASE(parallel_guesses_cannot_race_the_throttle) {
  using namespace std::chrono;
  using outcome = login_throttle::outcome;
  login_throttle throttle{{5, 50, seconds{600}}};
  auto t0 = steady_clock::time_point{} + hours{1};
  // 65 guesses sent at once: only 5 are admitted before any answer.
  size_t admitted = 0;
  for (int i = 0; i < 65; ++i)
    admitted += throttle.admit("eve", "10.0.0." + std::to_string(i), t0) == 0u;
  BOOST_TEST(admitted == 5u);
  // They fail: the email now waits out the window.
  for (int i = 0; i < 5; ++i)
    throttle.finished("eve", "10.0.0." + std::to_string(i), outcome::failed,
                      t0);
  BOOST_TEST(throttle.admit("eve", "10.0.0.99", t0 + seconds{1}) == 599u);
  // Attempts that end undecided (overloaded, timeout) free their place.
  BOOST_TEST(throttle.admit("zed", "10.0.1.1", t0) == 0u);
  throttle.finished("zed", "10.0.1.1", outcome::undecided, t0);
  for (int i = 0; i < 5; ++i)
    BOOST_TEST(throttle.admit("zed", "10.0.1.1", t0) == 0u);
  BOOST_TEST(throttle.admit("zed", "10.0.1.1", t0) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
