// The --report page in a real browser: Debian's chromium, headless, with every network feature
// off and a fresh profile. The page must load with no network at all (nothing external in it),
// lay out and draw its curves (the page notes each chart's drawn width in the DOM once laid out),
// and carry one marker per buy and per sell. A screenshot checks it paints.
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "backtest_support.h"
#include "support/child_process.h"

using nlohmann::json;
using testing_support::run;
using testing_support::RunResult;
using testing_support::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr auto kLong = std::chrono::seconds(180);  // bounds a hang, never a speed check

RunResult chromium(const TempDir& dir, const std::string& profile, std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/chromium",
                                     "--headless",
                                     "--no-sandbox",
                                     "--disable-gpu",
                                     "--disable-quic",
                                     "--no-first-run",
                                     "--disable-background-networking",
                                     "--disable-component-update",
                                     "--disable-sync",
                                     "--user-data-dir=" + dir.file(profile)};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, kLong, {}, dir.path().string());
}

// The <svg ...>...</svg> element with this id in the dumped DOM ("" if none).
std::string svg_element(const std::string& dom, const std::string& id) {
    const std::size_t at = dom.find("id=\"" + id + "\"");
    if (at == std::string::npos) return "";
    const std::size_t begin = dom.rfind("<svg", at);
    const std::size_t end = dom.find("</svg>", at);
    return dom.substr(begin, end - begin);
}

long attribute(const std::string& element, const std::string& name) {
    std::smatch m;
    if (!std::regex_search(element, m, std::regex(name + "=\"(\\d+)\""))) return -1;
    return std::stol(m[1]);
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
        ++n;
    }
    return n;
}

// Width and height from a PNG's IHDR chunk.
std::pair<std::uint32_t, std::uint32_t> png_size(const std::string& png) {
    REQUIRE(png.size() > 24);
    REQUIRE(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
    auto be32 = [&](std::size_t at) {
        return (static_cast<std::uint32_t>(static_cast<unsigned char>(png[at])) << 24) |
               (static_cast<std::uint32_t>(static_cast<unsigned char>(png[at + 1])) << 16) |
               (static_cast<std::uint32_t>(static_cast<unsigned char>(png[at + 2])) << 8) |
               static_cast<std::uint32_t>(static_cast<unsigned char>(png[at + 3]));
    };
    return {be32(16), be32(20)};
}

}  // namespace

TEST_CASE("the report renders in a headless browser with its curves and trades", "[backtest]") {
    TempDir dir;
    backtest_it::write_data(dir, {"BTCUSDT", "ETHUSDT"});
    const std::string config = backtest_it::write_config(dir, {"BTCUSDT", "ETHUSDT"});
    RunResult bt = run({backtest_it::kBacktest, "--config", config, "--data", "data", "--report",
                        "report.html", "--json"},
                       kLong, {}, dir.path().string());
    INFO(bt.err);
    REQUIRE(bt.exit_code == 0);
    const json summary = json::parse(bt.out);
    const std::string html = backtest_test::read_file(dir.path() / "report.html");

    // Self-contained: nothing to fetch.
    CHECK(html.find("http") == std::string::npos);
    CHECK(html.find(" src=") == std::string::npos);
    CHECK(html.find("<link") == std::string::npos);
    CHECK(html.find("@import") == std::string::npos);

    RunResult dump =
        chromium(dir, "profile-dom", {"--dump-dom", "file://" + dir.file("report.html")});
    INFO(dump.err);
    REQUIRE(dump.exit_code == 0);
    const std::string& dom = dump.out;
    REQUIRE(dom.find("<h1>tradebot backtest</h1>") != std::string::npos);

    const std::string equity = svg_element(dom, "equity-chart");
    REQUIRE_FALSE(equity.empty());
    // Laid out and drawn: the curve spans most of the 1000-unit wide chart.
    CHECK(attribute(equity, "data-drawn-width") > 500);
    CHECK(attribute(equity, "data-points") > 100);
    const std::string pnl = svg_element(dom, "pnl-chart");
    CHECK(attribute(pnl, "data-drawn-width") > 500);

    for (const auto& s : summary["symbols"]) {
        const std::string symbol = s["symbol"];
        INFO(symbol);
        const std::string chart = svg_element(dom, "price-" + symbol);
        REQUIRE_FALSE(chart.empty());
        CHECK(attribute(chart, "data-drawn-width") > 500);
        CHECK(attribute(chart, "data-points") > 100);
        REQUIRE(s["buys"].get<int>() > 0);
        REQUIRE(s["sells"].get<int>() > 0);
        CHECK(count(chart, "class=\"buy\"") == s["buys"].get<std::size_t>());
        CHECK(count(chart, "class=\"sell\"") == s["sells"].get<std::size_t>());
    }

    // It paints: a screenshot of the report against one of an empty page, taken the same way.
    backtest_test::write_file(dir.path() / "empty.html", "<!doctype html><title>x</title>");
    for (const auto& [page, shot] :
         {std::pair<std::string, std::string>{"report.html", "r.png"}, {"empty.html", "e.png"}}) {
        RunResult r = chromium(dir, "profile-" + shot,
                               {"--window-size=1200,1600", "--hide-scrollbars",
                                "--screenshot=" + dir.file(shot), "file://" + dir.file(page)});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    }
    const std::string report_png = backtest_test::read_file(dir.path() / "r.png");
    const std::string empty_png = backtest_test::read_file(dir.path() / "e.png");
    CHECK(png_size(report_png) == std::make_pair(1200u, 1600u));
    // Lines, text and markers compress far worse than a blank page.
    CHECK(report_png.size() > 5 * empty_png.size());
}
