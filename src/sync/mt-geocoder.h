/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mt-reads.h"

G_BEGIN_DECLS

/*
 * 地图搜索 online: a Nominatim-style geocoder (the geocoder_url setting, "{q}" where the words go)
 * asked for a place. Its answer is a JSON array of objects with "lat" and "lon" (numbers or
 * numeric text), "display_name" or "name", and optionally "boundingbox" [south, north, west,
 * east]; anything else in it, or an entry out of range, is left out. At most 1 MiB is read and 10
 * places kept; 10 s without an answer is an error. The answer is a GPtrArray of MtFoundPlace.
 */
void       mt_geocoder_search_async  (const char           *url_template,
                                      const char           *text,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              data);
GPtrArray *mt_geocoder_search_finish (GAsyncResult         *result,
                                      GError              **error);
/* For tests: the places an answer holds (NULL and @error when it is not a JSON array) */
GPtrArray *mt_geocoder_parse         (const char           *body,
                                      gsize                 length,
                                      GError              **error);

G_END_DECLS
