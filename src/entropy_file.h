// The entropy file, both sides: what `wmss entropy` writes and `wmss select` reads.
// One JSON line per record of the data file, in order:
//   {"index": i, "entropy": H, "tokens": T[, "id": ...]}   an example that was scored
//   {"index": i, "entropy": null, "tokens": 0}             a record that was dropped (no
//       target token, overlong with --overlong drop, a skipped bad line)
// so that selection can check that its entropy files describe exactly its data.
#ifndef WMSS_ENTROPY_FILE_H
#define WMSS_ENTROPY_FILE_H

#include "dataset.h"
#include "error.h"

// h (ds->n): each kept example's mean entropy (nats). *mean (optional) receives their mean.
int wmss_entropy_file_write(const char *path, const wmss_dataset *ds, const double *h, double *mean, wmss_error *e);

// Reads an entropy file of a data file with n records into h (n): every index 0..n-1
// must appear once; null entries are left NAN.
int wmss_entropy_file_read(const char *path, int n, double *h, wmss_error *e);

#endif
