/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-listing"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>

#include "mt-db.h"
#include "mt-error.h"
#include "mt-catalog-private.h"
#include "mt-db-private.h"
#include "mt-listing-private.h"
#include "mt-validate.h"

struct _MtListing
{
  MtDb              *db;
  MtActor           *actor;   /* a copy of what matters: account, scope */
  const char        *page_id;
  const MtCatalogPage *page;   /* the catalog's entry */
  const MtListSpec  *spec;
  char              *search;
  GHashTable        *filters; /* key → value */
  char              *state;
  gint64             date_from;
  gint64             date_to;
  const MtListColumn *sort_column;
  gboolean           sort_desc;
  guint              n_columns;
  const char      ***labels;         /* per column with choices: their labels, translated once */
  /* keyset paging: the default order's terms (and the id last), one direction for all */
  gboolean           order_parsed;
  GStrv              order_terms;    /* NULL: the order cannot be paged by keys */
  gboolean           order_desc;
  char              *order_sql;      /* "x.at DESC, x.id DESC" */
  GHashTable        *after;          /* a page's start → the keys (GPtrArray of GVariant) of the row before it */
  char              *after_question; /* the query those keys are of */
  gint64             after_stamp;
  gint64             copied_stamp;   /* a copy's: its original's data stamp when it was copied */
  guint              keys_read;      /* the keys' columns in the rows' query being read, 0: none */
  gboolean           last_keyed;
  GString           *cell_text;      /* a row's texts while it is read, their ends, its numbers */
  gsize             *cell_ends;
  double            *cell_numbers;
  char              *base_where;
  /* state counts of the current search and filters, valid while nothing changed */
  guint             *counts;
  guint              counts_total;
  gboolean           counts_valid;
  gboolean           counts_exact;   /* FALSE: counts_total is count_limit + 1, "more than" */
  gint64             counts_stamp;
  guint              count_limit;    /* 0: every row counted */
  gboolean           last_exact;     /* of the last count asked for */
  /* the search's terms, and which of their lookups are few enough to be read by index */
  GPtrArray         *terms;
  gboolean           terms_valid;
  gint64             terms_stamp;
  gboolean           terms_indexed;  /* every term answered by an index: no scan */
  double             terms_expected; /* the list's rows the terms are expected to match */
  double             base_rows;      /* roughly how many rows the list's table has */
  guint              page_end;       /* while a page is read in the list's order: its end */
  gboolean           use_index;      /* while a query is made: read through the spec's order_index */
  guint              ids_max;        /* IDS_MAX, INDEX_ROWS and the kept counts, unless a test */
  guint              index_rows;
  gboolean           use_kept;
  const char        *skip_filter;   /* a filter left out while its own choices are counted */
};

typedef struct
{
  GString   *sql;
  GPtrArray *params;  /* GVariant: int64 or string */
} Query;

/*
 * A term of the search (MtListSpec.search): a column of the list's own table, or a lookup of
 * the rows of another table whose id the list's column holds. Matching rows of a lookup (or of
 * the list's own table, for its own text columns) are read once, up to IDS_MAX, and given to the
 * list's queries as ids. When every term is expected to match at most INDEX_ROWS rows of the
 * list, the list is read through the indexes on those columns; otherwise it is scanned in its
 * order, which then finds a page soon, and counted only up to the count limit.
 */
#define IDS_MAX 20000
#define INDEX_ROWS 20000
/* A page this far into a list, with no keys at hand, is read by its ids first */
#define DEFER_ROWS 1000

static void keys_of (MtListing *self, char *question, gint64 stamp);
static char *question_of (MtListing *self);
static void keys_merge (MtListing *into, MtListing *from);
static void keys_take (MtListing *self, MtListing *from, char *question, gint64 stamp);

static void
planning_init (MtListing *self)
{
  self->ids_max = IDS_MAX;
  self->index_rows = INDEX_ROWS;
  self->use_kept = TRUE;
}

void
_mt_listing_set_planning (MtListing *self,
                          guint      ids_max,
                          guint      index_rows,
                          gboolean   use_kept)
{
  self->ids_max = ids_max;
  self->index_rows = index_rows;
  self->use_kept = use_kept;
  self->terms_valid = FALSE;
  self->counts_valid = FALSE;
}

typedef struct
{
  char      *expr;      /* own column ("r.order_no") or the list's column holding the id */
  char      *table;     /* a lookup's table, or NULL */
  GStrv      columns;   /* a lookup's columns */
  gboolean  *prefix;    /* per column (one for an own column): matched from the start */
  char      *ids;       /* matching ids as a JSON array (a lookup's, or the list's own for an own
                         * text column), NULL: too many */
  gboolean   own_ids;   /* ids of the list's own rows: shared by its own text columns */
  gboolean   sparse;    /* answered by an index */
  double     expected;  /* the list's rows it is expected to match */
} SearchTerm;

static void
search_term_free (SearchTerm *t)
{
  g_free (t->expr);
  g_free (t->table);
  g_strfreev (t->columns);
  g_free (t->prefix);
  g_free (t->ids);
  g_free (t);
}

static void
query_init (Query *q)
{
  q->sql = g_string_new (NULL);
  q->params = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
}

static void
query_clear (Query *q)
{
  g_string_free (q->sql, TRUE);
  g_ptr_array_unref (q->params);
}

static void
query_add_value (Query      *q,
                 const char *value)
{
  gint64 n;

  if (g_ascii_string_to_signed (value, 10, G_MININT64, G_MAXINT64, &n, NULL))
    g_ptr_array_add (q->params, g_variant_ref_sink (g_variant_new_int64 (n)));
  else
    g_ptr_array_add (q->params, g_variant_ref_sink (g_variant_new_string (value)));
}

static sqlite3_stmt *
query_prepare (MtListing *self,
               Query     *q)
{
  g_autofree char *account = g_strdup_printf ("%" G_GINT64_FORMAT, self->actor->account_id);
  g_auto(GStrv) parts = g_strsplit (q->sql->str, "$ACCOUNT", -1);
  g_autofree char *sql = g_strjoinv (account, parts);
  sqlite3_stmt *stmt = mt_db_prepare (self->db, NULL, sql, NULL);

  if (stmt == NULL)
    {
      /* a query stopped because nobody wants its answer any more is no fault */
      if (sqlite3_errcode (mt_db_get_handle (self->db)) != SQLITE_INTERRUPT)
        g_warning ("Listing %s: cannot prepare %s: %s", self->page_id, q->sql->str,
                   sqlite3_errmsg (mt_db_get_handle (self->db)));
      return NULL;
    }
  for (guint i = 0; i < q->params->len; i++)
    {
      GVariant *v = q->params->pdata[i];
      if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
        sqlite3_bind_int64 (stmt, i + 1, g_variant_get_int64 (v));
      else if (g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
        sqlite3_bind_double (stmt, i + 1, g_variant_get_double (v));
      else
        sqlite3_bind_text (stmt, i + 1, g_variant_get_string (v, NULL), -1, SQLITE_TRANSIENT);
    }
  return stmt;
}

MtListing *
mt_listing_new (MtDb           *db,
                const MtActor  *actor,
                const char     *page,
                GError        **error)
{
  MtListing *self;
  const MtListSpec *spec = NULL;
  g_autofree char *account = NULL;
  g_auto(GStrv) parts = NULL;

  const MtCatalogPage *entry = _mt_catalog_lookup (page);

  if (entry != NULL && entry->listing.from != NULL)
    spec = &entry->listing;
  if (spec == NULL)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("There is no list “%s”"), page);
      return NULL;
    }
  if (!mt_actor_require (actor, page, "view", error))
    return NULL;

  self = g_new0 (MtListing, 1);
  self->db = db;
  self->actor = g_new0 (MtActor, 1);
  self->actor->account_id = actor->account_id;
  self->actor->operator_id = actor->operator_id;
  self->actor->store_id = actor->store_id;
  self->actor->operator_path = g_strdup (actor->operator_path);
  self->page_id = entry->info.id;
  self->page = entry;
  self->spec = spec;
  self->filters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  mt_listing_set_count_limit (self, MT_LISTING_COUNT_LIMIT);
  planning_init (self);
  while (spec->columns[self->n_columns].key)
    self->n_columns++;

  /* $ACCOUNT is the signed-in account's id: an integer from the database, never user input */
  account = g_strdup_printf ("%" G_GINT64_FORMAT, actor->account_id);
  parts = g_strsplit (spec->where, "$ACCOUNT", -1);
  self->base_where = g_strjoinv (account, parts);

  return self;
}

void
mt_listing_free (MtListing *self)
{
  if (self == NULL)
    return;
  g_free (self->actor->operator_path);
  g_free (self->actor);
  g_free (self->search);
  g_free (self->state);
  g_free (self->base_where);
  g_free (self->counts);
  for (guint i = 0; self->labels && i < self->n_columns; i++)
    g_free (self->labels[i]);
  g_free (self->labels);
  if (self->cell_text)
    g_string_free (self->cell_text, TRUE);
  g_free (self->cell_ends);
  g_free (self->cell_numbers);
  g_strfreev (self->order_terms);
  g_free (self->order_sql);
  g_clear_pointer (&self->after, g_hash_table_unref);
  g_free (self->after_question);
  g_clear_pointer (&self->terms, g_ptr_array_unref);
  g_hash_table_destroy (self->filters);
  g_free (self);
}

const char *
mt_listing_get_page (MtListing *self)
{
  return self->page_id;
}

const MtListColumn *
mt_listing_get_columns (MtListing *self,
                        guint     *n_columns)
{
  *n_columns = self->n_columns;
  return self->spec->columns;
}

const MtListFilter *
mt_listing_get_filters (MtListing *self,
                        guint     *n_filters)
{
  guint n = 0;

  while (self->spec->filters && self->spec->filters[n].key)
    n++;
  *n_filters = n;
  return self->spec->filters;
}

const MtChoice *
mt_listing_get_states (MtListing *self)
{
  return self->spec->states;
}

gboolean
mt_listing_has_dates (MtListing *self)
{
  return self->spec->date_expr != NULL;
}

const char *
mt_listing_get_date_hint (MtListing *self)
{
  return self->spec->date_hint ? _(self->spec->date_hint) : NULL;
}

const char *
mt_listing_get_entity (MtListing *self)
{
  return self->page->entity ? self->page->entity->id : NULL;
}


const char *
mt_listing_get_search_hint (MtListing *self)
{
  if (self->spec->search_hint != NULL)
    return _(self->spec->search_hint);
  return _("Search");
}

gboolean
mt_page_has_list (const char *page)
{
  const MtCatalogPage *entry = _mt_catalog_lookup (page);

  return entry != NULL && entry->listing.from != NULL;
}

MtListing *
mt_listing_copy (MtListing *self,
                 MtDb      *db)
{
  MtListing *copy = g_new0 (MtListing, 1);
  GHashTableIter iter;
  gpointer key, value;

  copy->db = db;
  copy->actor = g_new0 (MtActor, 1);
  copy->actor->account_id = self->actor->account_id;
  copy->actor->operator_id = self->actor->operator_id;
  copy->actor->store_id = self->actor->store_id;
  copy->actor->operator_path = g_strdup (self->actor->operator_path);
  copy->page_id = self->page_id;
  copy->page = self->page;
  copy->spec = self->spec;
  copy->search = g_strdup (self->search);
  copy->filters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_iter_init (&iter, self->filters);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy->filters, g_strdup (key), g_strdup (value));
  copy->state = g_strdup (self->state);
  copy->date_from = self->date_from;
  copy->date_to = self->date_to;
  copy->sort_column = self->sort_column;
  copy->sort_desc = self->sort_desc;
  copy->n_columns = self->n_columns;
  copy->base_where = g_strdup (self->base_where);
  copy->count_limit = self->count_limit;
  copy->ids_max = self->ids_max;
  copy->index_rows = self->index_rows;
  copy->use_kept = self->use_kept;
  copy->copied_stamp = self->db != NULL ? mt_db_data_stamp (self->db) : self->copied_stamp;
  /* the keys found for its pages (immutable arrays, shared) */
  if (self->after != NULL)
    {
      keys_of (copy, g_strdup (self->after_question), self->after_stamp);
      keys_merge (copy, self);
    }
  return copy;
}

void
mt_listing_set_db (MtListing *self,
                   MtDb      *db)
{
  self->db = db;
  /* what was worked out on another connection is checked against this one's data stamp again;
   * let go of one (NULL), the listing keeps it for mt_listing_adopt() */
  if (db != NULL)
    {
      self->counts_valid = FALSE;
      self->terms_valid = FALSE;
    }
}

const char *
mt_listing_get_search (MtListing *self)
{
  return self->search;
}

void
mt_listing_adopt (MtListing *self,
                  MtListing *from)
{
  gint64 stamp = mt_db_data_stamp (self->db);
  g_autofree char *question = question_of (self), *asked = question_of (from);

  g_return_if_fail (self->spec == from->spec);
  /* another question, or data changed since the copy was made: its answer may be stale */
  if (!g_str_equal (question, asked) || from->copied_stamp != stamp)
    return;
  g_free (self->counts);
  self->counts = g_steal_pointer (&from->counts);
  self->counts_total = from->counts_total;
  self->counts_exact = from->counts_exact;
  self->counts_valid = from->counts_valid && self->counts != NULL;
  self->counts_stamp = stamp;
  self->count_limit = from->count_limit;
  self->last_exact = from->last_exact;
  g_clear_pointer (&self->terms, g_ptr_array_unref);
  self->terms = g_steal_pointer (&from->terms);
  self->terms_indexed = from->terms_indexed;
  self->terms_expected = from->terms_expected;
  self->base_rows = from->base_rows;
  self->terms_valid = from->terms_valid && self->terms != NULL;
  self->terms_stamp = stamp;
  from->counts_valid = from->terms_valid = FALSE;
  keys_take (self, from, g_steal_pointer (&question), stamp);
}

void
mt_listing_set_count_limit (MtListing *self,
                            guint      limit)
{
  /* a list bounded by the fleet's size or less is always counted exactly */
  if (self->spec->kept == NULL && !self->spec->bounded)
    limit = 0;
  if (limit != self->count_limit)
    self->counts_valid = FALSE;
  self->count_limit = limit;
}

gboolean
mt_listing_count_is_exact (MtListing *self)
{
  return self->last_exact;
}

void
mt_listing_set_search (MtListing  *self,
                       const char *text)
{
  g_free (self->search);
  /* what is searched for is text: bytes that are not UTF-8 become U+FFFD, matching nothing */
  self->search = (text && text[0]) ? g_strstrip (g_utf8_make_valid (text, -1)) : NULL;
  if (self->search != NULL && self->search[0] == '\0')
    g_clear_pointer (&self->search, g_free);
  self->counts_valid = FALSE;
  self->terms_valid = FALSE;
}

void
mt_listing_set_filter (MtListing  *self,
                       const char *key,
                       const char *value)
{
  if (value == NULL || value[0] == '\0')
    g_hash_table_remove (self->filters, key);
  else
    g_hash_table_insert (self->filters, g_strdup (key), g_utf8_make_valid (value, -1));
  self->counts_valid = FALSE;
}

void
mt_listing_set_state (MtListing  *self,
                      const char *state)
{
  g_free (self->state);
  self->state = (state && state[0]) ? g_utf8_make_valid (state, -1) : NULL;
}

void
mt_listing_set_dates (MtListing *self,
                      gint64     from_usec,
                      gint64     to_usec)
{
  self->date_from = from_usec;
  self->date_to = to_usec;
  self->counts_valid = FALSE;
}

gboolean
mt_listing_set_sort (MtListing  *self,
                     const char *column_key,
                     gboolean    descending)
{
  self->sort_column = NULL;
  for (guint i = 0; column_key && i < self->n_columns; i++)
    if (g_str_equal (self->spec->columns[i].key, column_key))
      self->sort_column = &self->spec->columns[i];
  self->sort_desc = descending;
  return self->sort_column != NULL || column_key == NULL;
}

static char *
escape_like (const char *text)
{
  GString *s = g_string_new ("%");

  for (const char *p = text; *p; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (s, '\\');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '%');
  return g_string_free (s, FALSE);
}

/* FROM … WHERE … for the current filters; @with_state FALSE leaves the state facet open */
/* Whether sql mentions "alias." as a whole name */
static gboolean
mentions_alias (const char *sql,
                const char *alias)
{
  gsize len = strlen (alias);

  for (const char *p = strstr (sql, alias); p; p = strstr (p + 1, alias))
    if (p[len] == '.' && (p == sql || !(g_ascii_isalnum (p[-1]) || p[-1] == '_')))
      return TRUE;
  return FALSE;
}

/* The FROM clause without the lookups the query does not use. Every lookup is a LEFT JOIN on a
 * primary key, so leaving one out changes no count; SQLite does not drop them by itself in
 * grouped queries. A kept join keeps the joins its ON clause needs. */
static char *
prune_from (const char *from,
            const char *used_sql)
{
  g_auto(GStrv) joins = g_strsplit (from, " LEFT JOIN ", -1);
  g_autoptr(GString) used = g_string_new (used_sql);
  guint n = g_strv_length (joins);
  g_autofree gboolean *keep = g_new0 (gboolean, n);
  GString *out = g_string_new (joins[0]);

  for (guint i = n - 1; i >= 1; i--)
    {
      g_auto(GStrv) words = g_strsplit (joins[i], " ", 3);   /* table alias ON … */

      if (g_strv_length (words) == 3 && !mentions_alias (used->str, words[1]))
        continue;
      keep[i] = TRUE;
      g_string_append_printf (used, " %s", joins[i]);
    }
  for (guint i = 1; i < n; i++)
    if (keep[i])
      g_string_append_printf (out, " LEFT JOIN %s", joins[i]);
  return g_string_free (out, FALSE);
}

/* The upper end of the texts that begin with @prefix: U+10FFFF sorts after every character */
#define PREFIX_END "\xf4\x8f\xbf\xbf"

static void
add_text (Query      *q,
          const char *text)
{
  g_ptr_array_add (q->params, g_variant_ref_sink (g_variant_new_string (text)));
}

/* @column begins with the search as typed, or in capitals (numbers are kept in capitals) */
static void
append_prefix (Query      *q,
               const char *plus,
               const char *column,
               const char *text)
{
  g_autofree char *upper = g_ascii_strup (text, -1);
  g_autofree char *end = g_strconcat (text, PREFIX_END, NULL);
  g_autofree char *upper_end = g_strconcat (upper, PREFIX_END, NULL);
  gboolean both = !g_str_equal (upper, text);

  g_string_append_printf (q->sql, "(%s%s >= ? AND %s%s < ?", plus, column, plus, column);
  add_text (q, text);
  add_text (q, end);
  if (both)
    {
      g_string_append_printf (q->sql, " OR %s%s >= ? AND %s%s < ?", plus, column, plus, column);
      add_text (q, upper);
      add_text (q, upper_end);
    }
  g_string_append_c (q->sql, ')');
}

/* A term's condition on its table's own columns (a lookup's, or the list's own column) */
static void
append_match (Query       *q,
              const char  *plus,
              const char  *column,
              gboolean     prefix,
              const char  *text,
              const char  *pattern)
{
  if (prefix)
    append_prefix (q, plus, column, text);
  else
    {
      g_string_append_printf (q->sql, "%s LIKE ? ESCAPE '\\'", column);
      add_text (q, pattern);
    }
}

/* "col", "^col" or "x.fk=table(col,^col)" */
static SearchTerm *
search_term_parse (const char *word)
{
  SearchTerm *t = g_new0 (SearchTerm, 1);
  const char *in = strchr (word, '=');

  if (in == NULL)
    {
      t->prefix = g_new0 (gboolean, 1);
      t->prefix[0] = word[0] == '^';
      t->expr = g_strdup (word + t->prefix[0]);
      return t;
    }
  {
    const char *open = strchr (in, '(');
    g_autofree char *list = g_strndup (open + 1, strlen (open + 1) - 1);

    t->expr = g_strndup (word, in - word);
    t->table = g_strndup (in + 1, open - in - 1);
    t->columns = g_strsplit (list, ",", -1);
    t->prefix = g_new0 (gboolean, g_strv_length (t->columns));
    for (guint c = 0; t->columns[c]; c++)
      if (t->columns[c][0] == '^')
        {
          t->prefix[c] = TRUE;
          memmove (t->columns[c], t->columns[c] + 1, strlen (t->columns[c]));
        }
  }
  return t;
}

/* How many rows of @table match any of @columns, up to @max + 1; with @ids, their ids as a JSON
 * array (NULL past @max) */
static guint
search_probe (MtListing  *self,
              const char *table,
              GStrv       columns,
              gboolean   *prefix,
              guint       max,
              char      **ids)
{
  g_autofree char *pattern = escape_like (self->search);
  g_autoptr(GString) json = g_string_new ("[");
  sqlite3_stmt *stmt;
  guint n = 0;
  Query q;

  query_init (&q);
  g_string_append_printf (q.sql, "SELECT %s FROM %s WHERE ", ids ? "id" : "1", table);
  for (guint c = 0; columns[c]; c++)
    {
      if (c > 0)
        g_string_append (q.sql, " OR ");
      append_match (&q, "", columns[c], prefix[c], self->search, pattern);
    }
  g_string_append_printf (q.sql, " LIMIT %u", max + 1);
  stmt = query_prepare (self, &q);
  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      if (ids)
        g_string_append_printf (json, "%s%" G_GINT64_FORMAT, n ? "," : "", (gint64) sqlite3_column_int64 (stmt, 0));
      n++;
    }
  if (stmt)
    sqlite3_reset (stmt);
  query_clear (&q);
  g_string_append_c (json, ']');
  if (ids)
    *ids = n <= max ? g_strdup (json->str) : NULL;
  return n;
}

/* Roughly how many rows @table has (its highest id) */
static double
table_size (MtListing  *self,
            const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT max (id) FROM %s", table);

  return (double) mt_db_query_int (self->db, 0, sql, NULL);
}

/* The search's terms, and whether each can be read by index, for the data as it is now */
static void
ensure_terms (MtListing *self)
{
  gint64 stamp = mt_db_data_stamp (self->db);
  g_autofree char *base = g_strndup (self->spec->from, strcspn (self->spec->from, " "));
  g_autofree char *own_prefix = self->spec->alias ? g_strconcat (self->spec->alias, ".", NULL) : NULL;
  g_autoptr(GPtrArray) own = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *own_ids = NULL;
  g_auto(GStrv) words = NULL;
  guint n_own = 0;

  if (self->terms_valid && self->terms_stamp == stamp)
    return;
  g_clear_pointer (&self->terms, g_ptr_array_unref);
  self->terms = g_ptr_array_new_with_free_func ((GDestroyNotify) search_term_free);
  self->terms_indexed = TRUE;
  self->terms_expected = 0;
  self->base_rows = table_size (self, base);
  words = g_strsplit (self->spec->search, " ", -1);
  for (guint i = 0; words[i]; i++)
    {
      SearchTerm *t = search_term_parse (words[i]);

      if (t->table != NULL)
        {
          /* the list's rows expected: the ids found times the list's rows per row of the table */
          guint n = search_probe (self, t->table, t->columns, t->prefix, self->ids_max, &t->ids);
          double per_row = self->base_rows / MAX (table_size (self, t->table), 1);

          t->expected = n * MAX (per_row, 1);
          t->sparse = t->ids != NULL && t->expected <= self->index_rows;
        }
      else if (t->prefix[0])
        {
          /* a number of the list's own table, from its start: "r.order_no" of "orders r …" */
          char *column[] = { t->expr + strcspn (t->expr, ".") + (strchr (t->expr, '.') ? 1 : 0), NULL };

          t->expected = search_probe (self, base, column, t->prefix, self->index_rows, NULL);
          t->sparse = t->expected <= self->index_rows;
        }
      else if (own_prefix && g_str_has_prefix (t->expr, own_prefix))
        {
          /* a text column of the list's own table: found with the others, as ids */
          t->own_ids = TRUE;
          g_ptr_array_add (own, g_strdup (t->expr + strlen (own_prefix)));
        }
      g_ptr_array_add (self->terms, t);
    }
  if (own->len > 0)
    {
      g_autofree gboolean *contains = g_new0 (gboolean, own->len);

      g_ptr_array_add (own, NULL);
      n_own = search_probe (self, base, (GStrv) own->pdata, contains, self->ids_max, &own_ids);
    }
  for (guint i = 0; i < self->terms->len; i++)
    {
      SearchTerm *t = self->terms->pdata[i];

      if (t->own_ids)
        {
          t->ids = g_strdup (own_ids);
          t->expected = n_own;
          t->sparse = own_ids != NULL && n_own <= self->index_rows;
        }
      self->terms_indexed &= t->sparse;
      self->terms_expected += t->expected;
    }
  self->terms_valid = TRUE;
  self->terms_stamp = stamp;
}

/* Whether the search is read through its indexes. A count (or every row) gathers all the
 * matches either way: by index when they are few. A page in the list's own order also could be
 * scanned for, stopping when full: reading M matches by index costs about M rows, scanning costs
 * about (the page's end) × N / M of the table's N rows, so the index is used when M² ≤ end × N.
 * A list whose order's index holds its searched columns scans that index, a table row read for
 * a match alone: a row scanned past costs a twentieth of a match read by index (rentals
 * matching "139", 12,000 of a million: 300 rows by index 68 ms, scanned for 6 ms) */
#define INDEX_SCAN_GAIN 20
static gboolean
search_indexed (MtListing *self)
{
  if (!self->terms_indexed)
    return FALSE;
  /* (a table without an id of its own has no size here: read by index) */
  return self->page_end == 0 || self->sort_column != NULL || self->base_rows < 1 ||
         (self->spec->order_index ? INDEX_SCAN_GAIN : 1) * self->terms_expected * self->terms_expected <=
         (double) self->page_end * self->base_rows;
}

/* The search: when every term has few matches, each is a condition an index answers (SQLite
 * reads the union of the indexes); otherwise the list is scanned in its order, every condition
 * kept off the indexes with a unary +, and a page stops as soon as it is full */
static void
append_search (MtListing *self,
               Query     *q)
{
  g_autofree char *pattern = escape_like (self->search);
  gboolean own_done = FALSE;
  const char *plus;

  ensure_terms (self);
  plus = search_indexed (self) ? "" : "+";
  g_string_append (q->sql, " AND (");
  for (guint i = 0; i < self->terms->len; i++)
    {
      SearchTerm *t = self->terms->pdata[i];

      if (t->own_ids && t->ids != NULL)
        {
          /* the own text columns found together: once, as the rows' ids */
          if (!own_done)
            {
              g_string_append_printf (q->sql, "%s%s%s.id IN (SELECT value FROM json_each (?))", i > 0 ? " OR " : "",
                                      plus, self->spec->alias);
              add_text (q, t->ids);
            }
          own_done = TRUE;
          continue;
        }
      if (i > 0)
        g_string_append (q->sql, " OR ");
      if (t->table == NULL)
        append_match (q, plus, t->expr, t->prefix[0], self->search, pattern);
      else if (t->ids != NULL)
        {
          g_string_append_printf (q->sql, "%s%s IN (SELECT value FROM json_each (?))", plus, t->expr);
          add_text (q, t->ids);
        }
      else
        {
          /* too many to hand over: the list scanned, each of its rows' own looked at by its id
           * (the scan stops at a full page and at the count limit, long before the lookup's
           * matches would have been gathered) */
          g_string_append_printf (q->sql, "EXISTS (SELECT 1 FROM %s WHERE id = %s AND (", t->table, t->expr);
          for (guint c = 0; t->columns[c]; c++)
            {
              if (c > 0)
                g_string_append (q->sql, " OR ");
              append_match (q, "", t->columns[c], t->prefix[c], self->search, pattern);
            }
          g_string_append (q->sql, "))");
        }
    }
  g_string_append_c (q->sql, ')');
  /* a page scanned for in the list's order: through its order's index, which holds the
   * columns searched (a table row read only for a match) */
  if (plus[0] != '\0' && self->page_end > 0 && self->sort_column == NULL)
    self->use_index = TRUE;
}

/* @from with its first table read through @index */
static char *
from_indexed (const char *from,
              const char *index)
{
  const char *join = strstr (from, " LEFT JOIN ");
  gsize head = join ? (gsize) (join - from) : strlen (from);

  return g_strdup_printf ("%.*s INDEXED BY %s%s", (int) head, from, index, from + head);
}

static void
build_where (MtListing *self,
             Query     *q,
             gboolean   with_state,
             gboolean   prune)
{
  const MtListSpec *spec = self->spec;
  g_autoptr(GPtrArray) scope_params = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *scope = NULL;
  GHashTableIter iter;
  const char *key, *value;

  gsize from_at = q->sql->len;

  g_string_append_printf (q->sql, " WHERE (%s)", self->base_where);

  scope = mt_actor_scope_sql (self->actor, spec->op_col, spec->store_col, scope_params);
  if (spec->op_col == NULL && spec->store_col == NULL)
    g_clear_pointer (&scope, g_free);
  if (scope != NULL)
    {
      if (spec->scope_or)
        g_string_append_printf (q->sql, " AND (%s OR %s)", spec->scope_or, scope);
      else
        g_string_append_printf (q->sql, " AND %s", scope);
      for (guint i = 0; i < scope_params->len; i++)
        g_ptr_array_add (q->params, g_variant_ref_sink (g_variant_new_string (scope_params->pdata[i])));
    }

  if (self->search && spec->search)
    append_search (self, q);

  g_hash_table_iter_init (&iter, self->filters);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &value))
    {
      for (guint i = 0; spec->filters && spec->filters[i].key; i++)
        {
          const MtListFilter *f = &spec->filters[i];

          if (!g_str_equal (f->key, key) || g_strcmp0 (self->skip_filter, key) == 0)
            continue;
          if (f->conds != NULL)
            {
              for (guint c = 0; f->choices[c].value; c++)
                if (g_str_equal (f->choices[c].value, value))
                  g_string_append_printf (q->sql, " AND (%s)", f->conds[c]);
            }
          else
            {
              g_string_append_printf (q->sql, " AND %s = ?", f->expr);
              query_add_value (q, value);
            }
        }
    }

  if (with_state && self->state && spec->state_expr)
    {
      g_string_append_printf (q->sql, " AND %s = ?", spec->state_expr);
      query_add_value (q, self->state);
    }

  if (spec->date_expr && self->date_from > 0)
    {
      g_string_append_printf (q->sql, " AND %s >= ?", spec->date_expr);
      g_ptr_array_add (q->params, g_variant_ref_sink (g_variant_new_int64 (self->date_from)));
    }
  if (spec->date_expr && self->date_to > 0)
    {
      g_string_append_printf (q->sql, " AND %s < ?", spec->date_expr);
      g_ptr_array_add (q->params, g_variant_ref_sink (g_variant_new_int64 (self->date_to)));
    }

  {
    g_autofree char *from = prune ? prune_from (spec->from, q->sql->str) : g_strdup (spec->from);
    g_autofree char *clause = NULL;

    if (self->use_index && spec->order_index != NULL)
      {
        g_autofree char *plain = g_steal_pointer (&from);

        from = from_indexed (plain, spec->order_index);
      }
    clause = g_strdup_printf (" FROM %s", from);
    g_string_insert (q->sql, from_at, clause);
  }
  self->use_index = FALSE;
}

/* Runs the grouped count @q ("value, count" rows) into @counts by @choices (may be NULL) and @total */
static void
run_grouped (MtListing      *self,
             Query          *q,
             const MtChoice *choices,
             guint          *counts,
             guint          *total)
{
  sqlite3_stmt *stmt = query_prepare (self, q);

  *total = 0;
  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *v = (const char *) sqlite3_column_text (stmt, 0);
      guint c = (guint) sqlite3_column_int64 (stmt, 1);

      *total += c;
      for (guint i = 0; choices && choices[i].value; i++)
        if (g_strcmp0 (choices[i].value, v) == 0)
          counts[i] += c;
    }
  if (stmt)
    sqlite3_reset (stmt);
  query_clear (q);
}

/* The rows of the query so far counted, up to the count limit; grouped by @group when not NULL.
 * Past the limit the total is limit + 1 and FALSE is returned. */
static gboolean
count_rows (MtListing  *self,
            gboolean    with_state,
            const char *group,
            guint      *counts,
            guint      *total)
{
  const MtChoice *states = self->spec->states;
  Query q;

  query_init (&q);
  g_string_append_printf (q.sql, "SELECT %s AS g", group ? group : "NULL");
  build_where (self, &q, with_state, TRUE);
  /* a search scanned for (too many matches for its indexes) is counted from the newest rows, as
   * the lists show them: a number shared by this year's rows alone ("JY2026") reached its limit
   * after 10,000 rows from the end, not after two million of last year's from the start */
  if (self->count_limit > 0 && self->search != NULL && self->spec->search != NULL &&
      self->spec->alias != NULL && !search_indexed (self))
    g_string_append_printf (q.sql, " ORDER BY %s.id DESC", self->spec->alias);
  if (self->count_limit > 0)
    g_string_append_printf (q.sql, " LIMIT %u", self->count_limit + 1);
  g_string_prepend (q.sql, "SELECT g, count (*) FROM (");
  g_string_append (q.sql, ") GROUP BY 1");
  run_grouped (self, &q, group ? states : NULL, counts, total);
  return self->count_limit == 0 || *total <= self->count_limit;
}

/* The counts kept in list_counts, when they answer the listing as it is: no search, no dates,
 * and filters only on the owner's operator or store */
static gboolean count_kept_in (MtListing *self, const char *tbl, const MtChoice *choices, const char *skip,
                               guint *counts, guint *total);

static gboolean
count_kept (MtListing *self,
            guint     *counts,
            guint     *total)
{
  return count_kept_in (self, self->spec->kept, self->spec->state_expr ? self->spec->states : NULL, NULL, counts,
                        total);
}

/* From list_counts' rows of @tbl, by @choices (their state column), leaving the filter @skip out */
static gboolean
count_kept_in (MtListing      *self,
               const char     *tbl,
               const MtChoice *choices,
               const char     *skip,
               guint          *counts,
               guint          *total)
{
  const MtListSpec *spec = self->spec;
  g_autoptr(GPtrArray) scope_params = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *scope = NULL;
  GHashTableIter iter;
  const char *key, *value;
  Query q;

  if (!self->use_kept || tbl == NULL || self->search != NULL || self->date_from > 0 || self->date_to > 0
      || spec->scope_or != NULL)
    return FALSE;
  query_init (&q);
  g_string_append (q.sql, "SELECT c.state, sum (c.n) FROM list_counts c WHERE c.tbl = ?");
  add_text (&q, tbl);
  g_hash_table_iter_init (&iter, self->filters);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &value))
    {
      const char *column = NULL;

      if (g_strcmp0 (key, skip) == 0)
        continue;

      for (guint i = 0; spec->filters && spec->filters[i].key; i++)
        if (g_str_equal (spec->filters[i].key, key) && spec->filters[i].conds == NULL)
          column = g_strcmp0 (spec->filters[i].expr, spec->op_col) == 0 ? "c.operator_id"
                   : g_strcmp0 (spec->filters[i].expr, spec->store_col) == 0 ? "c.store_id" : NULL;
      if (column == NULL)
        {
          query_clear (&q);
          return FALSE;
        }
      g_string_append_printf (q.sql, " AND %s = ?", column);
      query_add_value (&q, value);
    }
  scope = mt_actor_scope_sql (self->actor, "c.operator_id", "c.store_id", scope_params);
  g_string_append_printf (q.sql, " AND %s GROUP BY 1", scope);
  for (guint i = 0; i < scope_params->len; i++)
    add_text (&q, scope_params->pdata[i]);

  run_grouped (self, &q, choices, counts, total);
  return TRUE;
}

/* The count of every state (or of the rows, without states), with the search and filters but
 * not the state: read from list_counts when they answer, else counted up to the limit */
static void
ensure_counts (MtListing *self)
{
  const MtChoice *states = self->spec->state_expr ? self->spec->states : NULL;
  guint n_states = 0;
  gint64 stamp = mt_db_data_stamp (self->db);

  if (self->counts_valid && self->counts_stamp == stamp)
    return;
  while (states && states[n_states].value)
    n_states++;
  g_free (self->counts);
  self->counts = g_new0 (guint, MAX (n_states, 1));
  if (count_kept (self, self->counts, &self->counts_total))
    self->counts_exact = TRUE;
  else
    {
      memset (self->counts, 0, MAX (n_states, 1) * sizeof (guint));
      self->counts_exact = count_rows (self, FALSE, states ? self->spec->state_expr : NULL, self->counts,
                                       &self->counts_total);
    }
  self->counts_valid = TRUE;
  self->counts_stamp = stamp;
}

guint
mt_listing_count (MtListing *self)
{
  const MtChoice *states = self->spec->state_expr ? self->spec->states : NULL;
  guint total = 0;

  ensure_counts (self);
  self->last_exact = self->counts_exact;
  if (states == NULL || self->state == NULL)
    return self->counts_total;
  if (self->counts_exact)
    {
      for (guint i = 0; states[i].value; i++)
        if (g_str_equal (states[i].value, self->state))
          return self->counts[i];
      return 0;
    }
  /* more rows than the limit in all: this state's own, up to the limit */
  self->last_exact = count_rows (self, TRUE, NULL, NULL, &total);
  return total;
}

guint *
mt_listing_state_counts (MtListing *self,
                         guint     *total)
{
  guint n_states = 0;

  *total = 0;
  if (self->spec->states == NULL || self->spec->state_expr == NULL)
    return NULL;
  while (self->spec->states[n_states].value)
    n_states++;
  ensure_counts (self);
  self->last_exact = self->counts_exact;
  *total = self->counts_total;
  return g_memdup2 (self->counts, n_states * sizeof (guint));
}

guint *
mt_listing_filter_counts (MtListing  *self,
                          const char *key,
                          guint      *total)
{
  const MtListFilter *filter = NULL;
  guint n_choices = 0, *counts;
  Query q;

  *total = 0;
  for (guint i = 0; self->spec->filters && self->spec->filters[i].key; i++)
    if (g_str_equal (self->spec->filters[i].key, key))
      filter = &self->spec->filters[i];
  if (filter == NULL || filter->choices == NULL || filter->conds != NULL)
    return NULL;
  while (filter->choices[n_choices].value)
    n_choices++;
  counts = g_new0 (guint, MAX (n_choices, 1));
  /* kept: without a search, dates or a state, and only owner filters besides */
  if (filter->kept != NULL && self->state == NULL &&
      count_kept_in (self, filter->kept, filter->choices, key, counts, total))
    {
      self->last_exact = TRUE;
      return counts;
    }
  memset (counts, 0, MAX (n_choices, 1) * sizeof (guint));
  *total = 0;
  query_init (&q);
  g_string_append_printf (q.sql, "SELECT %s AS g", filter->expr);
  self->skip_filter = key;
  build_where (self, &q, TRUE, TRUE);
  self->skip_filter = NULL;
  if (self->count_limit > 0)
    g_string_append_printf (q.sql, " LIMIT %u", self->count_limit + 1);
  g_string_prepend (q.sql, "SELECT g, count (*) FROM (");
  g_string_append (q.sql, ") GROUP BY 1");
  run_grouped (self, &q, filter->choices, counts, total);
  self->last_exact = self->count_limit == 0 || *total <= self->count_limit;
  return counts;
}

gboolean
mt_listing_counts_check (MtDb      *db,
                         GPtrArray *problems)
{
  g_autoptr(GString) now = g_string_new (NULL);
  g_autofree char *sql = NULL;

  for (const MtKeptList *list = mt_kept_lists; list->table; list++)
    {
      g_autofree char *state = list->state ? g_strdup_printf ("coalesce (CAST (%s AS TEXT), '')", list->state)
                                           : g_strdup ("''");

      g_string_append_printf (now, "%sSELECT '%s', coalesce (operator_id, 0), coalesce (store_id, 0), %s, count (*) "
                              "FROM %s WHERE deleted = 0 GROUP BY 2, 3, 4", now->len ? " UNION ALL " : "",
                              list->table, state, list->table);
    }
  g_string_append_printf (now, " UNION ALL %s", mt_bms_counts_select);
  sql = g_strdup_printf ("WITH kept AS (SELECT tbl, operator_id, store_id, state, n FROM list_counts WHERE n <> 0), "
                         "now AS (%s) "
                         "SELECT 'kept' AS side, * FROM (SELECT * FROM kept EXCEPT SELECT * FROM now) "
                         "UNION ALL SELECT 'recounted' AS side, * FROM (SELECT * FROM now EXCEPT SELECT * FROM kept) "
                         "LIMIT 50", now->str);
  return mt_db_expect_no_rows (db, problems, "list count differs from its rows:", sql);
}

/* A choice column's label for @value (a yes/no column's without choices: Yes or No), as
 * mt_choice_label() says, the column's labels translated once for the listing rather than at every
 * cell (gettext takes a lock and looks the text up: a page of 100 rows asked it a thousand times) */
static const char *
choice_label (MtListing  *self,
              guint       column,
              const char *value)
{
  const MtListColumn *col = &self->spec->columns[column];
  const MtChoice *choices = col->choices;

  if (choices == NULL && col->kind != MT_COL_BOOL)
    return value ? value : "";
  if (self->labels == NULL)
    self->labels = g_new0 (const char **, self->n_columns);
  if (self->labels[column] == NULL)
    {
      guint n = 0;

      while (choices && choices[n].value)
        n++;
      self->labels[column] = g_new0 (const char *, MAX (n, 2));
      for (guint i = 0; i < n; i++)
        self->labels[column][i] = _(choices[i].label);
      if (choices == NULL)
        {
          self->labels[column][0] = _("No");
          self->labels[column][1] = _("Yes");
        }
    }
  if (choices == NULL)
    return self->labels[column][g_strcmp0 (value, "0") != 0];
  for (guint i = 0; choices[i].value; i++)
    if (g_strcmp0 (choices[i].value, value) == 0)
      return self->labels[column][i];
  return value ? value : "";
}

/* "-1234" without printf, appended */
static void
append_int (GString *out,
            gint64   v)
{
  char buf[24], *p = buf + sizeof buf;
  guint64 u = v < 0 ? -(guint64) v : (guint64) v;

  do
    *--p = (char) ('0' + u % 10);
  while ((u /= 10) > 0);
  if (v < 0)
    *--p = '-';
  g_string_append_len (out, p, buf + sizeof buf - p);
}

static void
append_owned (GString *out,
              char    *text)
{
  g_string_append (out, text);
  g_free (text);
}

/* The cell's text appended to @out (without its end), its number in @number */
static void
format_cell (MtListing    *self,
             guint         column,
             sqlite3_stmt *stmt,
             int           i,
             GString      *out,
             double       *number)
{
  const MtListColumn *col = &self->spec->columns[column];
  gint64 v;

  *number = NAN;
  if (sqlite3_column_type (stmt, i) == SQLITE_NULL)
    return;
  v = sqlite3_column_int64 (stmt, i);
  switch (col->kind)
    {
    case MT_COL_TEXT:
      g_string_append_len (out, (const char *) sqlite3_column_text (stmt, i), sqlite3_column_bytes (stmt, i));
      break;
    case MT_COL_INT:
      append_int (out, v);
      *number = (double) v;
      break;
    case MT_COL_MONEY:
      append_owned (out, mt_format_money (v));
      *number = (double) v / 100.0;
      break;
    case MT_COL_TIME:
      append_owned (out, mt_format_time (v));
      break;
    case MT_COL_DATE:
      append_owned (out, mt_format_date (v));
      break;
    case MT_COL_CHOICE:
      g_string_append (out, choice_label (self, column, (const char *) sqlite3_column_text (stmt, i)));
      break;
    case MT_COL_BOOL:
      g_string_append (out, choice_label (self, column, v ? "1" : "0"));
      break;
    case MT_COL_PERCENT:
      append_int (out, v);
      g_string_append_c (out, '%');
      *number = (double) v;
      break;
    case MT_COL_VOLTAGE:
      g_string_append_printf (out, "%.2f V", v / 1000.0);
      *number = v / 1000.0;
      break;
    case MT_COL_COORD:
      *number = sqlite3_column_double (stmt, i);
      g_string_append_printf (out, "%.6f", *number);
      break;
    default:
      g_assert_not_reached ();
    }
}

void
mt_list_row_free (MtListRow *row)
{
  g_free (row);   /* its cells, numbers and texts are of the same block */
}

/* The list's own order, parsed once: its terms, and the id after them so that no two rows tie.
 * A page that follows the one read before is then found by the keys of that page's last row
 * (WHERE (terms) < (keys), an index range) instead of skipping every row before it (OFFSET reads
 * them all: a million of them for a page in the middle of a big list). Orders that mix
 * directions are paged by OFFSET. */
static void
order_parse_now (MtListing *self)
{
  const char *alias = self->spec->alias;
  g_auto(GStrv) parts = g_strsplit (self->spec->order, ",", -1);
  g_autoptr(GPtrArray) terms = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *id = alias ? g_strconcat (alias, ".id", NULL) : NULL;
  gboolean mixed = FALSE;

  self->order_parsed = TRUE;
  for (guint i = 0; parts[i]; i++)
    {
      g_autofree char *term = g_strstrip (g_strdup (parts[i]));
      gboolean desc = g_str_has_suffix (term, " DESC");

      if (desc || g_str_has_suffix (term, " ASC"))
        term[strlen (term) - (desc ? 5 : 4)] = '\0';
      g_strstrip (term);
      mixed |= strchr (term, '(') != NULL;   /* an expression with its own commas: not split here */
      if (i == 0)
        self->order_desc = desc;
      mixed |= desc != self->order_desc;
      g_ptr_array_add (terms, g_steal_pointer (&term));
    }
  if (id == NULL || mixed || terms->len == 0)
    {
      self->order_sql = g_strdup (self->spec->order);
      return;
    }
  if (!g_str_equal (terms->pdata[terms->len - 1], id))
    g_ptr_array_add (terms, g_strdup (id));
  {
    GString *sql = g_string_new (NULL);

    for (guint i = 0; i < terms->len; i++)
      g_string_append_printf (sql, "%s%s%s", i ? ", " : "", (char *) terms->pdata[i],
                              self->order_desc ? " DESC" : "");
    self->order_sql = g_string_free (sql, FALSE);
  }
  g_ptr_array_add (terms, NULL);
  self->order_terms = (GStrv) g_ptr_array_steal (terms, NULL);
}

static void
order_parse (MtListing *self)
{
  if (!self->order_parsed)
    order_parse_now (self);
}

/* What the listing asks, whatever plan reads it: keys found for one question are of no use to
 * another (the SQL itself differs between pages when a search is read by index for the first
 * pages and by scanning for later ones) */
static char *
question_of (MtListing *self)
{
  g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (self->filters), (GCompareFunc) strcmp);
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%" G_GINT64_FORMAT "\n%s\n%s\n%" G_GINT64_FORMAT "\n%" G_GINT64_FORMAT "\n%s\n%d",
                          self->actor->account_id, self->search ? self->search : "", self->state ? self->state : "",
                          self->date_from, self->date_to, self->sort_column ? self->sort_column->key : "",
                          self->sort_desc);
  for (GList *l = keys; l; l = l->next)
    g_string_append_printf (s, "\n%s=%s", (char *) l->data, (char *) g_hash_table_lookup (self->filters, l->data));
  return g_string_free (s, FALSE);
}

/* The keys kept are those of @question (taken) over the data at @stamp: those of another are
 * dropped (keys are good while the question and the data are the same) */
static void
keys_of (MtListing *self,
         char      *question,
         gint64     stamp)
{
  if (self->after != NULL && g_strcmp0 (question, self->after_question) == 0 && stamp == self->after_stamp)
    {
      g_free (question);
      return;
    }
  g_clear_pointer (&self->after, g_hash_table_unref);
  self->after = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  g_free (self->after_question);
  self->after_question = question;
  self->after_stamp = stamp;
}

/* The keys @from holds added to @into's (the arrays are never changed once made: shared) */
static void
keys_merge (MtListing *into,
            MtListing *from)
{
  GHashTableIter iter;
  gpointer offset, keys;

  g_hash_table_iter_init (&iter, from->after);
  while (g_hash_table_iter_next (&iter, &offset, &keys))
    g_hash_table_insert (into->after, offset, g_ptr_array_ref (keys));
}

/* Rows counted off from the start in no time (a few milliseconds) */
#define NEAR_ROWS 2000

/* The keys of the page at @offset, when they are of the question asked now over the data as it is */
static GPtrArray *
keys_for (MtListing *self,
          guint      offset)
{
  g_autofree char *question = NULL;

  if (self->after == NULL || offset == 0)
    return NULL;
  question = question_of (self);
  if (g_strcmp0 (question, self->after_question) != 0 || mt_db_data_stamp (self->db) != self->after_stamp)
    return NULL;
  return g_hash_table_lookup (self->after, GUINT_TO_POINTER (offset));
}

gboolean
mt_listing_page_is_near (MtListing *self,
                         guint      offset)
{
  order_parse (self);
  return offset <= NEAR_ROWS || (self->order_terms != NULL && self->sort_column == NULL && keys_for (self, offset));
}

/* @from's keys taken by @self, asking @question (taken) over the data at @stamp. @from's own
 * stamp is of its connection: the data are the same while @self's has not moved since @from (or
 * the listing it was copied from) was copied from it */
static void
keys_take (MtListing *self,
           MtListing *from,
           char      *question,
           gint64     stamp)
{
  if (from->after == NULL || g_strcmp0 (question, from->after_question) != 0 || from->copied_stamp != stamp)
    {
      g_free (question);
      return;
    }
  keys_of (self, question, stamp);
  keys_merge (self, from);
}

void
mt_listing_adopt_keys (MtListing *self,
                       MtListing *from)
{
  keys_take (self, from, question_of (self), mt_db_data_stamp (self->db));
}

gboolean
_mt_listing_last_page_keyed (MtListing *self)
{
  return self->last_keyed;
}

/* The rows' query in the listing's order: a page of it, or every row (@limit 0) */
static sqlite3_stmt *
rows_prepare (MtListing *self,
              guint      offset,
              guint      limit)
{
  const char *alias = self->spec->alias;
  g_autofree char *order = NULL;
  GPtrArray *keys;
  sqlite3_stmt *stmt;
  Query q;

  query_init (&q);
  if (alias)
    g_string_append_printf (q.sql, "SELECT %s.id, %s.version", alias, alias);
  else
    g_string_append (q.sql, "SELECT 0, 0");
  for (guint i = 0; i < self->n_columns; i++)
    g_string_append_printf (q.sql, ", %s", self->spec->columns[i].expr);
  order_parse (self);
  self->keys_read = 0;
  self->last_keyed = FALSE;
  if (self->order_terms != NULL && self->sort_column == NULL && limit > 0)
    for (guint i = 0; self->order_terms[i]; i++, self->keys_read++)
      g_string_append_printf (q.sql, ", %s", self->order_terms[i]);
  keys = NULL;
  if (self->keys_read > 0)
    {
      /* the keys kept are those of this question and data (this page's are added to them) */
      keys_of (self, question_of (self), mt_db_data_stamp (self->db));
      keys = offset > 0 ? g_hash_table_lookup (self->after, GUINT_TO_POINTER (offset)) : NULL;
    }
  if (self->sort_column)
    order = g_strdup_printf ("%s %s%s%s", self->sort_column->expr, self->sort_desc ? "DESC" : "ASC",
                             alias ? ", " : "", alias ? self->spec->order : "");
  else
    order = g_strdup (self->order_sql);
  if (keys == NULL && limit > 0 && offset >= DEFER_ROWS && alias != NULL)
    {
      /* deep in the list with no keys at hand: the page's ids counted off first — from the
       * order's index alone where it holds the tombstone, the joins left out —, then the rows
       * of those ids (counting off whole rows read every row before the page, and its joins) */
      Query ids;

      query_init (&ids);
      g_string_append_printf (ids.sql, "SELECT %s.id", alias);
      self->page_end = offset + limit;
      self->use_index = self->sort_column == NULL;
      build_where (self, &ids, TRUE, self->sort_column == NULL);   /* a chosen sort may need a join */
      self->page_end = 0;
      g_string_append_printf (ids.sql, " ORDER BY %s LIMIT ? OFFSET ?", order);
      g_string_append_printf (q.sql, " FROM %s WHERE %s.id IN (%s) ORDER BY %s", self->spec->from, alias,
                              ids.sql->str, order);
      for (guint i = 0; i < ids.params->len; i++)
        g_ptr_array_add (q.params, g_variant_ref (ids.params->pdata[i]));
      g_ptr_array_add (q.params, g_variant_ref_sink (g_variant_new_int64 (limit)));
      g_ptr_array_add (q.params, g_variant_ref_sink (g_variant_new_int64 (offset)));
      query_clear (&ids);
      stmt = query_prepare (self, &q);
      query_clear (&q);
      return stmt;
    }
  /* the rows a scan in the list's order passes: from the start, or from the page before's last */
  self->page_end = limit == 0 ? 0 : keys != NULL ? limit : offset + limit;
  build_where (self, &q, TRUE, FALSE);
  self->page_end = 0;
  if (keys != NULL)
    {
      g_autofree char *terms = g_strjoinv (", ", self->order_terms);

      g_string_append_printf (q.sql, " AND (%s) %s (", terms, self->order_desc ? "<" : ">");
      for (guint i = 0; i < keys->len; i++)
        {
          g_string_append (q.sql, i ? ", ?" : "?");
          g_ptr_array_add (q.params, g_variant_ref (keys->pdata[i]));
        }
      g_string_append_c (q.sql, ')');
      self->last_keyed = TRUE;
      offset = 0;
    }
  g_string_append_printf (q.sql, " ORDER BY %s", order);
  if (limit > 0)
    {
      g_string_append (q.sql, " LIMIT ? OFFSET ?");
      g_ptr_array_add (q.params, g_variant_ref_sink (g_variant_new_int64 (limit)));
      g_ptr_array_add (q.params, g_variant_ref_sink (g_variant_new_int64 (offset)));
    }
  stmt = query_prepare (self, &q);
  query_clear (&q);
  return stmt;
}

static MtListRow *
row_read (MtListing    *self,
          sqlite3_stmt *stmt)
{
  gsize head = sizeof (MtListRow) + (self->n_columns + 1) * sizeof (char *) + self->n_columns * sizeof (double);
  gsize *ends;
  double *numbers;
  MtListRow *row;
  char *texts;

  /* one block a row: the row, its numbers, its cell pointers, then its texts */
  if (self->cell_text == NULL)
    {
      self->cell_text = g_string_sized_new (1024);
      self->cell_ends = g_new (gsize, self->n_columns + 1);
      self->cell_numbers = g_new (double, self->n_columns + 1);
    }
  ends = self->cell_ends;
  numbers = self->cell_numbers;
  g_string_truncate (self->cell_text, 0);
  for (guint i = 0; i < self->n_columns; i++)
    {
      format_cell (self, i, stmt, i + 2, self->cell_text, &numbers[i]);
      g_string_append_c (self->cell_text, '\0');
      ends[i] = self->cell_text->len;
    }
  head = (head + 7) & ~(gsize) 7;
  row = g_malloc (head + self->cell_text->len);
  row->id = sqlite3_column_int64 (stmt, 0);
  row->version = sqlite3_column_int64 (stmt, 1);
  row->numbers = (double *) (row + 1);
  row->cells = (char **) (row->numbers + self->n_columns);
  texts = (char *) row + head;
  memcpy (texts, self->cell_text->str, self->cell_text->len);
  memcpy (row->numbers, numbers, self->n_columns * sizeof (double));
  for (guint i = 0; i < self->n_columns; i++)
    row->cells[i] = texts + (i ? ends[i - 1] : 0);
  row->cells[self->n_columns] = NULL;
  return row;
}

/* The order's keys of the row at hand, or NULL when one is NULL or not a number or text */
static GPtrArray *
row_keys (MtListing    *self,
          sqlite3_stmt *stmt)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  int first = 2 + (int) self->n_columns;

  for (int i = first; i < first + (int) self->keys_read; i++)
    switch (sqlite3_column_type (stmt, i))
      {
      case SQLITE_INTEGER:
        g_ptr_array_add (keys, g_variant_ref_sink (g_variant_new_int64 (sqlite3_column_int64 (stmt, i))));
        break;
      case SQLITE_FLOAT:
        g_ptr_array_add (keys, g_variant_ref_sink (g_variant_new_double (sqlite3_column_double (stmt, i))));
        break;
      case SQLITE_TEXT:
        g_ptr_array_add (keys, g_variant_ref_sink (g_variant_new_string ((const char *) sqlite3_column_text (stmt, i))));
        break;
      default:   /* NULL sorts apart from values: counted off instead */
        g_ptr_array_unref (keys);
        return NULL;
      }
  return keys;
}

GPtrArray *
mt_listing_fetch (MtListing *self,
                  guint      offset,
                  guint      limit)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) mt_list_row_free);
  sqlite3_stmt *stmt = rows_prepare (self, offset, MAX (limit, 1));
  g_autoptr(GPtrArray) keys = NULL;

  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_ptr_array_add (rows, row_read (self, stmt));
      if (self->keys_read > 0 && rows->len == MAX (limit, 1))
        keys = row_keys (self, stmt);
    }
  if (stmt)
    sqlite3_reset (stmt);
  /* the next page starts after this one's last row (a few hundred pages' keys kept at most) */
  if (keys != NULL && g_hash_table_size (self->after) >= 256)
    g_hash_table_remove_all (self->after);
  if (keys != NULL)
    g_hash_table_insert (self->after, GUINT_TO_POINTER (offset + rows->len), g_steal_pointer (&keys));
  return rows;
}

gboolean
mt_listing_each (MtListing     *self,
                 MtListRowFunc  func,
                 gpointer       data)
{
  sqlite3_stmt *stmt = rows_prepare (self, 0, 0);
  gboolean all = TRUE;

  while (all && stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      MtListRow *row = row_read (self, stmt);

      all = func (row, data);
      mt_list_row_free (row);
    }
  if (stmt)
    sqlite3_reset (stmt);
  return all;
}

sqlite3_stmt *
mt_listing_select (MtListing  *self,
                   const char *exprs)
{
  Query q;
  sqlite3_stmt *stmt;

  query_init (&q);
  g_string_append_printf (q.sql, "SELECT %s", exprs);
  build_where (self, &q, TRUE, FALSE);
  stmt = query_prepare (self, &q);
  query_clear (&q);
  return stmt;
}

/* ------------------------------------------------------------------ export */

#define EXPORT_CHUNK 2000   /* rows between two writes, looks at the progress and the cancellation */

static void
csv_field (GString    *line,
           const char *text)
{
  if (strpbrk (text, ",\"\n\r") == NULL)
    {
      g_string_append (line, text);
      return;
    }
  g_string_append_c (line, '"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (line, '"');
      g_string_append_c (line, *p);
    }
  g_string_append_c (line, '"');
}

typedef struct
{
  MtListing    *listing;
  GString      *line;
  FILE         *f;
  GCancellable *cancellable;
  MtProgress   *progress;
  guint         rows;
  gboolean      ok;
} CsvExport;

/* One row into the buffer, written out a chunk at a time; FALSE to stop (cancelled) */
static gboolean
csv_row (MtListRow *row,
         gpointer   data)
{
  CsvExport *e = data;

  for (guint i = 0; i < e->listing->n_columns; i++)
    {
      if (i)
        g_string_append_c (e->line, ',');
      csv_field (e->line, row->cells[i]);
    }
  g_string_append (e->line, "\r\n");
  if (++e->rows % EXPORT_CHUNK == 0)
    {
      e->ok &= fwrite (e->line->str, 1, e->line->len, e->f) == e->line->len;
      g_string_truncate (e->line, 0);
      if (e->progress != NULL)
        g_atomic_int_set (&e->progress->done, (gint) e->rows);
      if (g_cancellable_is_cancelled (e->cancellable))
        return FALSE;
    }
  return TRUE;
}

gboolean
mt_listing_export_csv (MtListing     *self,
                       const char    *path,
                       GCancellable  *cancellable,
                       MtProgress    *progress,
                       GError       **error)
{
  g_autofree char *tmp = g_strconcat (path, ".part", NULL);
  g_autoptr(GString) line = g_string_new ("\xEF\xBB\xBF");  /* BOM: spreadsheets read UTF-8 */
  FILE *f = g_fopen (tmp, "wb");
  gboolean ok = TRUE;

  if (f == NULL)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("Cannot write “%s”: %s"), path,
                   g_strerror (errno));
      return FALSE;
    }
  for (guint i = 0; i < self->n_columns; i++)
    {
      if (i)
        g_string_append_c (line, ',');
      csv_field (line, _(self->spec->columns[i].title));
    }
  g_string_append (line, "\r\n");

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      fclose (f);
      g_unlink (tmp);
      return FALSE;
    }
  if (progress != NULL)
    {
      /* every row is read anyway: the progress counts them all */
      mt_listing_set_count_limit (self, 0);
      g_atomic_int_set (&progress->total, (gint) mt_listing_count (self));
    }
  {
    CsvExport export = { self, line, f, cancellable, progress, 0, TRUE };

    if (!mt_listing_each (self, csv_row, &export))
      {
        fclose (f);
        g_unlink (tmp);
        g_cancellable_set_error_if_cancelled (cancellable, error);
        return FALSE;
      }
    ok = export.ok && fwrite (line->str, 1, line->len, f) == line->len;
    if (progress != NULL)
      g_atomic_int_set (&progress->done, (gint) export.rows);
  }
  ok &= fclose (f) == 0;
  if (!ok || g_rename (tmp, path) != 0)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_FAILED, _("Cannot write “%s”: %s"), path,
                   g_strerror (errno));
      g_unlink (tmp);
      return FALSE;
    }
  return TRUE;
}
