// A price or equity curve thinned out for drawing: per time bucket the first, lowest, highest and
// last point (M4 sampling), so a line through them looks like the full curve at the chart's width
// while a year of 1m candles keeps a few thousand points. Buckets start at one millisecond and
// double in width (pairs merged) whenever there are more than twice the target, so the curve
// keeps its detail whatever span the data covers. Coordinates only: the values are doubles and
// never feed back into any figure.
#pragma once

#include <cstdint>
#include <vector>

namespace backtest {

struct PlotPoint {
    std::int64_t t = 0;  // ms
    double v = 0;
};

class PlotSeries {
public:
    explicit PlotSeries(std::size_t target_buckets = 600);

    // Points must come in time order (a point before the first one joins the first bucket).
    void add(std::int64_t t, double v) {
        if (buckets_.empty() || t >= bucket_end_) {
            next_bucket(t, v);
        } else {
            update(buckets_.back(), t, v);
        }
    }

    // The kept points in time order.
    std::vector<PlotPoint> points() const;

private:
    struct Bucket {
        std::int64_t index;  // (t - origin_) / width_
        PlotPoint first, low, high, last;
    };
    static void update(Bucket& b, std::int64_t t, double v) {
        if (v < b.low.v) b.low = {t, v};
        if (v > b.high.v) b.high = {t, v};
        b.last = {t, v};
    }
    void next_bucket(std::int64_t t, double v);

    const std::size_t target_;
    std::int64_t origin_ = 0;
    std::int64_t width_ = 1;
    std::int64_t bucket_end_ = 0;
    std::vector<Bucket> buckets_;
};

}  // namespace backtest
