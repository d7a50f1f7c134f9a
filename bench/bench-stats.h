/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the benchmarks report: percentiles of their timings (medians, p95, p99) */
#pragma once

#include <glib.h>
#include <stdlib.h>

static inline int
bench_compare_doubles (const void *a,
                       const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* The @percent percentile of @n values (0 = min, 50 = median, 100 = max); sorts them */
static inline double
bench_percentile (double *values,
                  guint   n,
                  guint   percent)
{
  qsort (values, n, sizeof (double), bench_compare_doubles);
  return values[MIN (n - 1, n * percent / 100)];
}
