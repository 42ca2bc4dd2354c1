#include "exchange/binance/signing.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <sstream>

using exchange::binance::ApiCredentials;
using exchange::binance::credentials_from_env;
using exchange::binance::hmac_sha256_hex;

TEST_CASE("HMAC-SHA256 matches Binance's documented worked example", "[signing]") {
    // From Binance's REST API documentation ("SIGNED endpoint examples for POST /api/v3/order").
    const std::string secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
    const std::string query =
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&"
        "timestamp=1499827319559";
    CHECK(hmac_sha256_hex(secret, query) ==
          "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
    ApiCredentials c("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A", secret);
    CHECK(c.sign(query) == "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
}

TEST_CASE("HMAC-SHA256 of RFC 4231 test case 2", "[signing]") {
    CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("credentials print redacted", "[signing]") {
    ApiCredentials c("ABCDEFGHIJKLMNOP", "TOPSECRETVALUE123");
    std::ostringstream os;
    os << c;
    CHECK(os.str().find("TOPSECRETVALUE123") == std::string::npos);
    CHECK(os.str().find("ABCDEFGHIJKLMNOP") == std::string::npos);
    CHECK(os.str().find("redacted") != std::string::npos);
}

TEST_CASE("credentials from the environment name what is missing", "[signing]") {
    ::unsetenv("BINANCE_API_KEY");
    ::unsetenv("BINANCE_API_SECRET");
    auto none = credentials_from_env();
    CHECK_FALSE(none.credentials);
    CHECK(none.error.find("both are missing") != std::string::npos);

    ::setenv("BINANCE_API_KEY", "key", 1);
    auto no_secret = credentials_from_env();
    CHECK_FALSE(no_secret.credentials);
    CHECK(no_secret.error.find("BINANCE_API_SECRET") != std::string::npos);
    CHECK(no_secret.error.find("BINANCE_API_KEY ") == std::string::npos);

    ::unsetenv("BINANCE_API_KEY");
    ::setenv("BINANCE_API_SECRET", "secret", 1);
    auto no_key = credentials_from_env();
    CHECK_FALSE(no_key.credentials);
    CHECK(no_key.error.find("BINANCE_API_KEY") != std::string::npos);
    CHECK(no_key.error.find("BINANCE_API_SECRET") == std::string::npos);

    ::setenv("BINANCE_API_KEY", "key", 1);
    auto both = credentials_from_env();
    REQUIRE(both.credentials);
    CHECK(both.credentials->api_key() == "key");
    ::unsetenv("BINANCE_API_KEY");
    ::unsetenv("BINANCE_API_SECRET");
}
