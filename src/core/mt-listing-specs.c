/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-listing"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-catalog-private.h"
#include "mt-orders.h"
#include "mt-ops.h"

/* What a replica holds, from what the catalog's pages show (src/core/catalog/) */

/* Whether @word occurs in @text as a whole SQL identifier */
static gboolean
sql_mentions (const char *text,
              const char *word)
{
  gsize len = strlen (word);

  for (const char *p = text ? strstr (text, word) : NULL; p; p = strstr (p + 1, word))
    {
      gboolean starts = p == text || !(g_ascii_isalnum (p[-1]) || p[-1] == '_' || p[-1] == '.');
      gboolean ends = !(g_ascii_isalnum (p[len]) || p[len] == '_');

      if (starts && ends)
        return TRUE;
    }
  return FALSE;
}

gboolean
mt_actor_sees_table (const MtActor *actor,
                     const char    *table)
{
  g_return_val_if_fail (actor != NULL && table != NULL, FALSE);

  const MtCatalogPage *page;

  for (guint i = 0; (page = _mt_catalog_page (i)) != NULL; i++)
    {
      const MtListSpec *spec = &page->listing;
      const MtEntity *entity = page->entity;

      if (spec->from == NULL || !mt_actor_can_view (actor, page->info.id))
        continue;
      if (sql_mentions (spec->from, table) || sql_mentions (spec->where, table))
        return TRUE;
      for (const MtListColumn *column = spec->columns; column && column->key; column++)
        if (sql_mentions (column->expr, table))
          return TRUE;
      for (const MtListFilter *filter = spec->filters; filter && filter->key; filter++)
        if (g_strcmp0 (filter->ref, table) == 0)
          return TRUE;
      if (entity && mt_actor_can (actor, page->info.id, "edit"))
        {
          guint n_fields;
          const MtFieldSpec *fields = mt_entity_get_fields (entity, &n_fields);

          for (guint i = 0; i < n_fields; i++)
            if (g_strcmp0 (fields[i].ref, table) == 0)
              return TRUE;
        }
    }
  return FALSE;
}
