// Request signing for Binance's SIGNED endpoints (HMAC-SHA256, hex) and the API key pair.
// The key pair prints redacted: a secret or a signature never reaches a log line.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace exchange::binance {

// Lower-case hex HMAC-SHA256 of `data` keyed with `secret` (OpenSSL).
[[nodiscard]] std::string hmac_sha256_hex(std::string_view secret, std::string_view data);

// The API key pair for live trading. Never printed: operator<< writes a redacted form.
class ApiCredentials {
public:
    ApiCredentials(std::string api_key, std::string secret)
        : api_key_(std::move(api_key)), secret_(std::move(secret)) {}

    const std::string& api_key() const { return api_key_; }  // goes in X-MBX-APIKEY
    // The signature of a query string (+ body), ready for `&signature=`.
    [[nodiscard]] std::string sign(std::string_view payload) const {
        return hmac_sha256_hex(secret_, payload);
    }

    friend std::ostream& operator<<(std::ostream& os, const ApiCredentials& c);

private:
    std::string api_key_;
    std::string secret_;
};

// BINANCE_API_KEY / BINANCE_API_SECRET from the environment. On failure `error` names exactly
// which variable is missing (or empty) and credentials is empty.
struct CredentialsResult {
    std::optional<ApiCredentials> credentials;
    std::string error;
};
[[nodiscard]] CredentialsResult credentials_from_env();

}  // namespace exchange::binance
