#include "backtest/archive/zip_reader.h"

#include <zip.h>

#include <algorithm>
#include <memory>

#include "backtest/archive/data_error.h"
#include "config/interval.h"

namespace backtest {
namespace {

std::string zip_message(zip_error_t* error) {
    std::string text = zip_error_strerror(error);
    zip_error_fini(error);
    return text;
}

struct ArchiveCloser {
    void operator()(zip_t* z) const { zip_discard(z); }  // read-only: nothing to write back
};
struct EntryCloser {
    void operator()(zip_file_t* f) const { zip_fclose(f); }
};

// Deflate makes at most about 1032 bytes of one; with what a header may add.
constexpr std::uint64_t kMaxDeflateRatio = 1100;
constexpr std::uint64_t kGrowBytes = 1 << 20;

}  // namespace

EntryBound entry_bound(const ArchiveName& name) {
    const std::int64_t period = name.end_ms() - name.begin_ms();
    // "1M" counts as 30 days here: a 31-day month then holds two, generously.
    const std::int64_t step = config::kline_interval_ms(name.interval).value_or(1000);
    const auto candles = static_cast<std::uint64_t>((period + step - 1) / step);
    return EntryBound{
        kMaxHeaderBytes + candles * kMaxRowBytes,
        std::string(name.day == 0 ? "a month" : "a day") + " of " + name.interval + " candles"};
}

void read_zip_csv(const std::filesystem::path& zip, std::string_view zip_bytes,
                  const EntryBound& bound, std::string& out) {
    auto fail = [&zip](const std::string& what) { return DataError(zip.string() + ": " + what); };
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(zip_bytes.data(), zip_bytes.size(), 0, &error);
    if (!source) throw fail("cannot read the zip: " + zip_message(&error));
    std::unique_ptr<zip_t, ArchiveCloser> archive(
        zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error));
    if (!archive) {
        zip_source_free(source);
        throw fail("not a readable zip: " + zip_message(&error));
    }
    zip_error_fini(&error);

    const zip_int64_t entries = zip_get_num_entries(archive.get(), 0);
    zip_int64_t csv = -1;
    for (zip_int64_t i = 0; i < entries; ++i) {
        const char* name = zip_get_name(archive.get(), static_cast<zip_uint64_t>(i), 0);
        std::string_view n = name ? name : "";
        if (!n.ends_with(".csv")) continue;
        if (csv >= 0) throw fail("holds more than one .csv file");
        csv = i;
    }
    if (csv < 0) throw fail("holds no .csv file");

    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(archive.get(), static_cast<zip_uint64_t>(csv), 0, &st) != 0 ||
        !(st.valid & ZIP_STAT_SIZE)) {
        throw fail(std::string("cannot read the entry: ") + zip_strerror(archive.get()));
    }
    const std::string entry_name = zip_get_name(archive.get(), static_cast<zip_uint64_t>(csv), 0);
    const std::uint64_t declared = st.size;
    if (declared > bound.max_bytes) {
        throw fail("its header declares " + std::to_string(declared) + " bytes for " + entry_name +
                   ", more than " + bound.holds + " can fill (" + std::to_string(bound.max_bytes) +
                   " bytes at most); refused");
    }
    std::unique_ptr<zip_file_t, EntryCloser> entry(
        zip_fopen_index(archive.get(), static_cast<zip_uint64_t>(csv), 0));
    if (!entry) throw fail(std::string("cannot open the entry: ") + zip_strerror(archive.get()));
    // Memory follows what inflates, not what the header says: first as much as deflate can make
    // of the compressed bytes, then doubling up to the declared size.
    std::uint64_t size = declared;
    if (st.valid & ZIP_STAT_COMP_SIZE) {
        size = std::min<std::uint64_t>(size, st.comp_size * kMaxDeflateRatio + kGrowBytes);
    }
    out.resize(static_cast<std::size_t>(size));
    std::size_t done = 0;
    for (;;) {
        if (done == out.size()) {
            if (done >= declared) break;
            out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(
                declared, 2 * static_cast<std::uint64_t>(done) + kGrowBytes)));
        }
        const zip_int64_t n = zip_fread(entry.get(), out.data() + done, out.size() - done);
        if (n < 0) {
            throw fail(std::string("damaged (") + zip_file_strerror(entry.get()) + ")");
        }
        if (n == 0) throw fail("damaged (the entry ends early)");
        done += static_cast<std::size_t>(n);
    }
    // Reading past the end makes libzip compare the CRC of what it inflated; anything it still
    // gives is more than the header declared.
    char probe;
    const zip_int64_t more = zip_fread(entry.get(), &probe, 1);
    if (more < 0) throw fail(std::string("damaged (") + zip_file_strerror(entry.get()) + ")");
    if (more > 0) {
        throw fail(entry_name + " inflates to more than the " + std::to_string(declared) +
                   " bytes its header declares; refused");
    }
}

}  // namespace backtest
