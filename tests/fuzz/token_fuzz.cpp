// Fuzz target "token": the bytes are an Authorization header value, and
// also the seed of a token this front issues.
// - authenticate: never throws or crashes on any value; the operator
//   secret is recognised only when sent exactly; a user comes only from a
//   token whose HMAC matches (verify), never from one whose header asks for
//   another algorithm ("none" included) or names an unknown key;
// - issue/verify round trip: a token issued for a user id verifies to that
//   id until it expires, and not at or after exp; the same token with its
//   header swapped for an "alg":"none" or unknown-kid header is refused;
//   a token of another key is refused (unknown_key or bad_signature).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "http/auth.hpp"
#include "http/tokens.hpp"

using namespace shop;
using namespace shop::fuzz;
using namespace shop::http;

namespace {

const std::string operator_secret = "fuzz-operator-secret-0123456789abcdef";

const token_authority& authority() {
  static const token_authority instance{make_token_key(std::string(32, 'k')),
                                        make_token_key(std::string(32, 'p')),
                                        3600};
  return instance;
}

const token_authority& stranger() {
  static const token_authority instance{make_token_key(std::string(32, 's')),
                                        std::nullopt, 3600};
  return instance;
}

const authenticator& auth() {
  static const authenticator
    instance{std::shared_ptr<const token_authority>(&authority(),
                                                    [](const token_authority*) {
                                                    }),
             operator_secret};
  return instance;
}

/// base64url of a short ASCII text, without padding (as JWS does).
std::string b64(const std::string& text) {
  static const char* alphabet
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < text.size(); i += 3) {
    auto n = (uint8_t(text[i]) << 16) | (uint8_t(text[i + 1]) << 8)
             | uint8_t(text[i + 2]);
    for (int s : {18, 12, 6, 0})
      out += alphabet[(n >> s) & 63];
  }
  if (i + 1 == text.size()) {
    auto n = uint8_t(text[i]) << 16;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
  } else if (i + 2 == text.size()) {
    auto n = (uint8_t(text[i]) << 16) | (uint8_t(text[i + 1]) << 8);
    for (int s : {18, 12, 6})
      out += alphabet[(n >> s) & 63];
  }
  return out;
}

void check_any_value(std::string_view value, int64_t now) {
  auto got = auth().authenticate({value}, now);
  if (got.who.is_operator())
    FUZZ_CHECK(value.find(operator_secret) != std::string_view::npos,
               "only the operator secret makes an operator");
  if (got.who.is_user()) {
    auto token = value.substr(value.find(' ') + 1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
      token.remove_suffix(1);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
      token.remove_prefix(1);
    token_claims claims;
    FUZZ_CHECK(authority().verify(token, now, claims) == token_status::valid
                 && claims.user == got.who.user,
               "a user comes only from a token that verifies");
  }
  FUZZ_CHECK(got.invalid == (!got.who.is_user() && !got.who.is_operator()),
             "a value is either credentials or refused");
  // The raw bytes as a token, too.
  token_claims claims;
  auto status = authority().verify(value, now, claims);
  if (status == token_status::valid)
    FUZZ_CHECK(claims.user > 0 && claims.expires_at > now,
               "a valid token names a user and has not expired");
}

void check_round_trip(const uint8_t* data, size_t size) {
  uint64_t seed = 0;
  for (size_t i = 0; i < size && i < 8; ++i)
    seed = (seed << 8) | data[i];
  auto user = static_cast<user_id>(seed & 0x7fffffffffffffff);
  if (user == 0)
    user = 1;
  int64_t now = 1'700'000'000 + static_cast<int64_t>(seed % 1'000'000);
  auto token = authority().issue(user, now);
  token_claims claims;
  FUZZ_CHECK(authority().verify(token, now, claims) == token_status::valid
               && claims.user == user && claims.issued_at == now
               && claims.expires_at == now + 3600,
             "an issued token verifies to its user");
  FUZZ_CHECK(authority().verify(token, now + 3600, claims)
               == token_status::expired,
             "a token is refused at its exp");
  auto rest = token.substr(token.find('.'));
  for (auto header :
       {std::string{R"({"alg":"none","typ":"JWT"})"},
        std::string{R"({"alg":"HS512","typ":"JWT","kid":"x"})"},
        std::string{R"({"alg":"HS256","typ":"JWT","kid":"0000000000000000"})"},
        std::string{R"({"alg":"HS256"})"}}) {
    FUZZ_CHECK(authority().verify(b64(header) + rest, now, claims)
                 != token_status::valid,
               "a swapped header is refused");
  }
  // An unsigned token ("alg":"none" with an empty signature).
  auto unsigned_token = b64(R"({"alg":"none"})") + '.'
                        + token.substr(token.find('.') + 1,
                                       token.rfind('.') - token.find('.') - 1)
                        + '.';
  FUZZ_CHECK(authority().verify(unsigned_token, now, claims)
               != token_status::valid,
             "an unsigned token is refused");
  auto foreign = stranger().issue(user, now);
  auto status = authority().verify(foreign, now, claims);
  FUZZ_CHECK(status == token_status::unknown_key
               || status == token_status::bad_signature,
             "a token of another key is refused");
  // A byte of the input replaces one character of the token.
  if (size > 8) {
    auto pos = data[8] % token.size();
    auto tampered = token;
    tampered[pos] = static_cast<char>(size > 9 ? data[9] : 'A');
    if (tampered != token
        && authority().verify(tampered, now, claims) == token_status::valid)
      // Only a change base64url decoding ignores (the unused low bits of
      // the last character of a part) may leave the token valid.
      FUZZ_CHECK(claims.user == user,
                 "a tampered token never changes the user");
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = as_text(data, size);
  check_any_value(text, 1'700'000'000);
  check_any_value("Bearer " + std::string{text}, 1'700'000'000);
  check_round_trip(data, size);
  return 0;
}
