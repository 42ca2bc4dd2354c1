#include "backtest/archive/zip_reader.h"

#include <zip.h>

#include <memory>

#include "backtest/archive/data_error.h"

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

}  // namespace

void read_zip_csv(const std::filesystem::path& zip, std::string_view zip_bytes, std::string& out) {
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
    std::unique_ptr<zip_file_t, EntryCloser> entry(
        zip_fopen_index(archive.get(), static_cast<zip_uint64_t>(csv), 0));
    if (!entry) throw fail(std::string("cannot open the entry: ") + zip_strerror(archive.get()));
    out.resize(static_cast<std::size_t>(st.size));
    std::size_t done = 0;
    while (done < out.size()) {
        const zip_int64_t n = zip_fread(entry.get(), out.data() + done, out.size() - done);
        if (n < 0) {
            throw fail(std::string("damaged (") + zip_file_strerror(entry.get()) + ")");
        }
        if (n == 0) throw fail("damaged (the entry ends early)");
        done += static_cast<std::size_t>(n);
    }
    // Reading past the end makes libzip compare the CRC of what it inflated.
    char probe;
    if (zip_fread(entry.get(), &probe, 1) < 0) {
        throw fail(std::string("damaged (") + zip_file_strerror(entry.get()) + ")");
    }
}

}  // namespace backtest
