#include "exchange/binance/signing.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>
#include <stdexcept>

namespace exchange::binance {

std::string hmac_sha256_hex(std::string_view secret, std::string_view data) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
             &mac_len) == nullptr) {
        // Only on an OpenSSL internal failure: nothing the caller could recover from.
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(mac_len * 2);
    for (unsigned int i = 0; i < mac_len; ++i) {
        out.push_back(kHex[mac[i] >> 4]);
        out.push_back(kHex[mac[i] & 0x0f]);
    }
    return out;
}

std::ostream& operator<<(std::ostream& os, const ApiCredentials& c) {
    // Enough of the key to tell two keys apart in a log, nothing of the secret.
    std::string shown = c.api_key_.size() > 8 ? c.api_key_.substr(0, 4) + "..." : "...";
    return os << "ApiCredentials{key=" << shown << ", secret=<redacted>}";
}

CredentialsResult credentials_from_env() {
    auto get = [](const char* name) -> std::string {
        const char* v = std::getenv(name);
        return v ? std::string(v) : std::string();
    };
    std::string key = get("BINANCE_API_KEY");
    std::string secret = get("BINANCE_API_SECRET");
    CredentialsResult r;
    if (key.empty() && secret.empty()) {
        r.error =
            "live mode needs BINANCE_API_KEY and BINANCE_API_SECRET in the environment; "
            "both are missing";
    } else if (key.empty()) {
        r.error = "live mode needs BINANCE_API_KEY in the environment; it is missing or empty";
    } else if (secret.empty()) {
        r.error = "live mode needs BINANCE_API_SECRET in the environment; it is missing or empty";
    } else {
        r.credentials.emplace(std::move(key), std::move(secret));
    }
    return r;
}

}  // namespace exchange::binance
