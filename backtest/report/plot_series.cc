#include "backtest/report/plot_series.h"

#include <algorithm>

namespace backtest {

PlotSeries::PlotSeries(std::size_t target_buckets)
    : target_(std::max<std::size_t>(target_buckets, 1)) {}

void PlotSeries::next_bucket(std::int64_t t, double v) {
    if (buckets_.empty()) origin_ = t;
    std::int64_t index = (t - origin_) / width_;
    if (buckets_.size() >= 2 * target_) {
        // Twice as wide: every pair of buckets becomes one.
        std::vector<Bucket> merged;
        merged.reserve(buckets_.size() / 2 + 1);
        for (const Bucket& b : buckets_) {
            const std::int64_t i = b.index / 2;
            if (!merged.empty() && merged.back().index == i) {
                Bucket& m = merged.back();
                if (b.low.v < m.low.v) m.low = b.low;
                if (b.high.v > m.high.v) m.high = b.high;
                m.last = b.last;
            } else {
                merged.push_back(b);
                merged.back().index = i;
            }
        }
        buckets_.swap(merged);
        width_ *= 2;
        index = (t - origin_) / width_;
        if (!buckets_.empty() && buckets_.back().index >= index) {
            bucket_end_ = origin_ + (buckets_.back().index + 1) * width_;
            update(buckets_.back(), t, v);  // t falls into the (now wider) last bucket
            return;
        }
    }
    const PlotPoint p{t, v};
    buckets_.push_back({index, p, p, p, p});
    bucket_end_ = origin_ + (index + 1) * width_;
}

std::vector<PlotPoint> PlotSeries::points() const {
    std::vector<PlotPoint> out;
    for (const Bucket& b : buckets_) {
        PlotPoint p[4] = {b.first, b.low, b.high, b.last};
        std::sort(p, p + 4, [](const PlotPoint& a, const PlotPoint& c) { return a.t < c.t; });
        for (const PlotPoint& q : p) {
            if (!out.empty() && out.back().t == q.t && out.back().v == q.v) continue;
            out.push_back(q);
        }
    }
    return out;
}

}  // namespace backtest
