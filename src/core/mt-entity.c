/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-entity"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <math.h>

#include "mt-db.h"
#include "mt-entity-private.h"
#include "mt-fences.h"
#include "mt-ops.h"
#include "mt-error.h"
#include "mt-validate.h"

/* ------------------------------------------------------------------ columns */

typedef struct
{
  char   *name;
  char    type;   /* i, d, t, n */
  gint64  i;
  double  d;
  char   *s;
} MtColumn;

struct _MtColumns
{
  GArray *cols;
  GArray *extra;   /* MT_FIELD_EXTRA values */
};

static void
column_clear (gpointer data)
{
  MtColumn *c = data;

  g_free (c->name);
  g_free (c->s);
}

static MtColumns *
columns_new (void)
{
  MtColumns *cols = g_new0 (MtColumns, 1);

  cols->cols = g_array_new (FALSE, TRUE, sizeof (MtColumn));
  g_array_set_clear_func (cols->cols, column_clear);
  cols->extra = g_array_new (FALSE, TRUE, sizeof (MtColumn));
  g_array_set_clear_func (cols->extra, column_clear);
  return cols;
}

static void
columns_free (MtColumns *cols)
{
  g_array_unref (cols->cols);
  g_array_unref (cols->extra);
  g_free (cols);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtColumns, columns_free)

static MtColumn *
columns_slot (MtColumns  *cols,
              const char *name)
{
  MtColumn c = { 0 };

  for (guint i = 0; i < cols->cols->len; i++)
    {
      MtColumn *old = &g_array_index (cols->cols, MtColumn, i);
      if (g_str_equal (old->name, name))
        {
          g_clear_pointer (&old->s, g_free);
          return old;
        }
    }
  c.name = g_strdup (name);
  g_array_append_val (cols->cols, c);
  return &g_array_index (cols->cols, MtColumn, cols->cols->len - 1);
}

void
_mt_columns_int (MtColumns *cols, const char *name, gint64 v)
{
  MtColumn *c = columns_slot (cols, name);
  c->type = 'i';
  c->i = v;
}

void
_mt_columns_double (MtColumns *cols, const char *name, double v)
{
  MtColumn *c = columns_slot (cols, name);
  c->type = 'd';
  c->d = v;
}

void
_mt_columns_text (MtColumns *cols, const char *name, const char *v)
{
  MtColumn *c = columns_slot (cols, name);
  c->type = v ? 't' : 'n';
  c->s = g_strdup (v);
}

void
_mt_columns_null (MtColumns *cols, const char *name)
{
  MtColumn *c = columns_slot (cols, name);
  c->type = 'n';
}

gboolean
_mt_columns_has (MtColumns *cols, const char *name)
{
  for (guint i = 0; i < cols->cols->len; i++)
    if (g_str_equal (g_array_index (cols->cols, MtColumn, i).name, name))
      return TRUE;
  return FALSE;
}

gint64
_mt_columns_get_int (MtColumns *cols, const char *name, gint64 fallback)
{
  for (guint i = 0; i < cols->cols->len; i++)
    {
      MtColumn *c = &g_array_index (cols->cols, MtColumn, i);
      if (g_str_equal (c->name, name))
        return c->type == 'i' ? c->i : fallback;
    }
  return fallback;
}

/* Moves the value @name from the columns to the extras */
static void
columns_move_extra (MtColumns  *cols,
                    const char *name)
{
  for (guint i = 0; i < cols->cols->len; i++)
    {
      MtColumn *c = &g_array_index (cols->cols, MtColumn, i);

      if (g_str_equal (c->name, name))
        {
          MtColumn moved = *c;

          memset (c, 0, sizeof *c);   /* now owned by the extras */
          g_array_remove_index (cols->cols, i);
          g_array_append_val (cols->extra, moved);
          return;
        }
    }
}

static const MtColumn *
extra_find (MtColumns  *cols,
            const char *name)
{
  for (guint i = 0; i < cols->extra->len; i++)
    if (g_str_equal (g_array_index (cols->extra, MtColumn, i).name, name))
      return &g_array_index (cols->extra, MtColumn, i);
  return NULL;
}

gboolean
_mt_columns_has_extra (MtColumns  *cols,
                       const char *name)
{
  return extra_find (cols, name) != NULL;
}

gint64
_mt_columns_extra_int (MtColumns  *cols,
                       const char *name)
{
  const MtColumn *c = extra_find (cols, name);
  return c && c->type == 'i' ? c->i : 0;
}

gboolean
_mt_columns_extra_empty (MtColumns  *cols,
                         const char *name)
{
  const MtColumn *c = extra_find (cols, name);
  return c == NULL || c->type == 'n' || (c->type == 't' && (c->s == NULL || c->s[0] == '\0'));
}

const char *
_mt_columns_extra_text (MtColumns  *cols,
                        const char *name)
{
  const MtColumn *c = extra_find (cols, name);
  return c && c->type == 't' ? c->s : "";
}

static void
bind_column (sqlite3_stmt *stmt, int pos, const MtColumn *c)
{
  switch (c->type)
    {
    case 'i': sqlite3_bind_int64 (stmt, pos, c->i); break;
    case 'd': sqlite3_bind_double (stmt, pos, c->d); break;
    case 't': sqlite3_bind_text (stmt, pos, c->s, -1, SQLITE_TRANSIENT); break;
    default: sqlite3_bind_null (stmt, pos); break;
    }
}

/* ------------------------------------------------------------------ helpers */

GHashTable *
mt_fields_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

void
mt_option_free (MtOption *option)
{
  g_free (option->id);
  g_free (option->label);
  g_free (option);
}

const char *
mt_choice_label (const MtChoice *choices,
                 const char     *value)
{
  for (guint i = 0; choices && choices[i].value; i++)
    if (g_strcmp0 (choices[i].value, value) == 0)
      return _(choices[i].label);
  return value ? value : "";
}

const char *
mt_entity_get_page (const MtEntity *entity)
{
  return entity->page;
}

const char *
mt_entity_get_title (const MtEntity *entity)
{
  return _(entity->title);
}

const MtFieldSpec *
mt_entity_get_fields (const MtEntity *entity,
                      guint          *n_fields)
{
  guint n = 0;

  while (entity->fields[n].key != NULL)
    n++;
  *n_fields = n;
  return entity->fields;
}

/* Whether the row @id of @ref exists and is in the actor's scope */
gboolean
_mt_ref_check (MtDb          *db,
               const MtActor *actor,
               const char    *ref,
               gint64         id)
{
  if (g_str_equal (ref, "operators"))
    return mt_db_query_int (db, 0, "SELECT 1 FROM operators WHERE id = ? AND deleted = 0", "i", id)
           && mt_actor_owns_operator (db, actor, id);
  if (g_str_equal (ref, "stores") || g_str_equal (ref, "devices") || g_str_equal (ref, "members"))
    {
      g_autofree char *sql = g_strdup_printf ("SELECT operator_id, %s FROM %s WHERE id = ? AND deleted = 0",
                                              g_str_equal (ref, "stores") ? "id" : "coalesce (store_id, 0)",
                                              ref);
      sqlite3_stmt *stmt = mt_db_prepare (db, NULL, sql, "i", id);
      gboolean ok = FALSE;

      if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
        ok = mt_actor_owns_row (db, actor, sqlite3_column_int64 (stmt, 0),
                                sqlite3_column_int64 (stmt, 1));
      if (stmt)
        sqlite3_reset (stmt);
      return ok;
    }
  if (g_str_equal (ref, "roles"))
    {
      sqlite3_stmt *stmt = mt_db_prepare (db, NULL,
                                          "SELECT builtin IS NOT NULL, coalesce (operator_id, 1) "
                                          "FROM roles WHERE id = ? AND deleted = 0", "i", id);
      gboolean ok = FALSE;

      if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
        ok = sqlite3_column_int (stmt, 0) ||
             mt_actor_owns_operator (db, actor, sqlite3_column_int64 (stmt, 1));
      if (stmt)
        sqlite3_reset (stmt);
      return ok;
    }
  if (g_str_equal (ref, "device_types") || g_str_equal (ref, "device_specs"))
    {
      g_autofree char *sql = g_strdup_printf ("SELECT 1 FROM %s WHERE id = ? AND deleted = 0", ref);
      return mt_db_query_int (db, 0, sql, "i", id) == 1;
    }
  if (g_str_equal (ref, "campaigns"))
    {
      /* an operator's campaigns, and those of the operators above it (they run for it too) */
      gint64 owner = mt_db_query_int (db, 0, "SELECT operator_id FROM campaigns WHERE id = ? AND deleted = 0", "i", id);

      if (owner == 0)
        return FALSE;
      return mt_actor_owns_operator (db, actor, owner) ||
             mt_db_query_int (db, 0, "SELECT count (*) FROM operators WHERE id = ? AND substr (?, 1, length (path)) = path",
                              "it", owner, actor->operator_path) == 1;
    }
  g_return_val_if_reached (FALSE);
}

GPtrArray *
mt_lookup (MtDb          *db,
           const MtActor *actor,
           const char    *ref,
           const char    *filter_key,
           gint64         filter_id)
{
  GPtrArray *options = g_ptr_array_new_with_free_func ((GDestroyNotify) mt_option_free);
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *scope = NULL;
  g_autofree char *sql = NULL;
  const char *label = "name";
  const char *extra = "1";
  sqlite3_stmt *stmt;

  if (g_str_equal (ref, "provinces"))
    {
      /* the 31 provinces by their GB/T 2260 code */
      g_ptr_array_unref (options);
      return mt_region_children (db, NULL);
    }
  if (g_str_equal (ref, "operators"))
    {
      if (actor->store_id != 0)
        scope = g_strdup_printf ("id = %" G_GINT64_FORMAT, actor->operator_id);
      else
        {
          g_ptr_array_add (params, g_strconcat (actor->operator_path, "%", NULL));
          scope = g_strdup ("path LIKE ?");
        }
    }
  else if (g_str_equal (ref, "stores"))
    {
      scope = mt_actor_scope_sql (actor, "operator_id", "id", params);
      label = "name || ' (' || store_no || ')'";
    }
  else if (g_str_equal (ref, "devices") || g_str_equal (ref, "members"))
    {
      scope = mt_actor_scope_sql (actor, "operator_id", "store_id", params);
      label = g_str_equal (ref, "devices") ? "device_no" : "name || ' ' || mobile";
    }
  else if (g_str_equal (ref, "geofences"))
    scope = mt_actor_scope_sql (actor, "operator_id", NULL, params);
  else if (g_str_equal (ref, "roles"))
    {
      g_ptr_array_add (params, g_strconcat (actor->operator_path, "%", NULL));
      scope = g_strdup ("(builtin IS NOT NULL OR operator_id IN "
                        "(SELECT id FROM operators WHERE path LIKE ?))");
      label = "CASE WHEN builtin IS NULL THEN name ELSE tr (name) END";
    }
  else if (g_str_equal (ref, "campaigns"))
    {
      /* the recharge bonus campaigns of the actor's operators and of those above them */
      g_ptr_array_add (params, g_strconcat (actor->operator_path, "%", NULL));
      g_ptr_array_add (params, g_strdup (actor->operator_path));
      scope = g_strdup ("kind = 'recharge_bonus' AND operator_id IN (SELECT id FROM operators WHERE path LIKE ?1 "
                        "OR substr (?2, 1, length (path)) = path)");
    }
  else
    scope = g_strdup ("1");

  if (filter_key != NULL && (g_str_equal (filter_key, "operator_id") ||
                             g_str_equal (filter_key, "type_id") ||
                             g_str_equal (filter_key, "store_id")))
    extra = filter_key;

  if (extra[0] == '1')
    sql = g_strdup_printf ("SELECT id, %s FROM %s WHERE deleted = 0 AND %s ORDER BY %s",
                           label, ref, scope, g_str_equal (ref, "operators") ? "path" : "id");
  else
    {
      sql = g_strdup_printf ("SELECT id, %s FROM %s WHERE deleted = 0 AND %s AND %s = %" G_GINT64_FORMAT
                             " ORDER BY id", label, ref, scope, extra, filter_id);
    }

  stmt = mt_db_prepare (db, NULL, sql, NULL);
  if (stmt == NULL)
    return options;
  for (guint i = 0; i < params->len; i++)
    sqlite3_bind_text (stmt, i + 1, params->pdata[i], -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      MtOption *o = g_new0 (MtOption, 1);
      o->id = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) sqlite3_column_int64 (stmt, 0));
      o->label = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      g_ptr_array_add (options, o);
    }
  sqlite3_reset (stmt);
  return options;
}

/* ------------------------------------------------------------------ generic field handling */

static gboolean
field_to_columns (MtDb              *db,
                  const MtActor     *actor,
                  const MtFieldSpec *f,
                  GHashTable        *fields,
                  GHashTable        *old,
                  MtColumns         *cols,
                  GError           **error)
{
  gboolean creating = old == NULL;
  const char *value = g_hash_table_lookup (fields, f->key);
  const char *label = _(f->label);
  gboolean empty;

  if (value == NULL && creating)
    value = f->initial;
  if (value == NULL)
    {
      if (creating && (f->flags & MT_FIELD_REQUIRED))
        {
          mt_set_field_error (error, f->key, label, _("is required"));
          return FALSE;
        }
      return TRUE;
    }
  if (!g_utf8_validate (value, -1, NULL))
    {
      mt_set_field_error (error, f->key, label, _("is not valid text"));
      return FALSE;
    }
  if (!creating && (f->flags & MT_FIELD_CREATE_ONLY))
    {
      /* read-only after creation: the value it has may come back, another is refused */
      g_autofree char *given = g_strstrip (g_strdup (value));
      const char *stored = g_hash_table_lookup (old, f->key);

      if (g_strcmp0 (given, stored ? stored : "") != 0)
        {
          mt_set_field_error (error, f->key, label, _("cannot be changed once the record exists"));
          return FALSE;
        }
      return TRUE;
    }
  if (f->kind != MT_FIELD_PASSWORD &&
      !mt_validate_plain_text (value, f->kind == MT_FIELD_MULTILINE || f->kind == MT_FIELD_GEOMETRY,
                               f->key, label, error))
    return FALSE;

  empty = value[0] == '\0';
  if (empty && (f->flags & MT_FIELD_OPTIONAL) && f->kind != MT_FIELD_PASSWORD)
    {
      if (f->kind == MT_FIELD_REF || f->kind == MT_FIELD_COORD || f->kind == MT_FIELD_REGION)
        _mt_columns_null (cols, f->key);
      else
        _mt_columns_text (cols, f->key, "");
      return TRUE;
    }

  switch (f->kind)
    {
    case MT_FIELD_TEXT:
      if (!mt_validate_required (value, f->key, label, f->max ? (guint) f->max : 200, error))
        return FALSE;
      {
        g_autofree char *stripped = g_strstrip (g_strdup (value));
        _mt_columns_text (cols, f->key, stripped);
      }
      return TRUE;

    case MT_FIELD_MULTILINE:
      /* kept exactly as written: line breaks, indentation and all */
      if (!mt_validate_required (value, f->key, label, f->max ? (guint) f->max : 200, error))
        return FALSE;
      _mt_columns_text (cols, f->key, value);
      return TRUE;

    case MT_FIELD_PASSWORD:
      {
        g_autofree char *confirm_key = g_strconcat (f->key, "_confirm", NULL);
        const char *confirm = g_hash_table_lookup (fields, confirm_key);
        g_autofree char *hash = NULL;

        if (empty && !creating)
          return TRUE;   /* editing: an empty password keeps the current one */
        if (!mt_validate_password (value, confirm ? confirm : value, f->key, label, error))
          return FALSE;
        hash = mt_password_hash (value);
        /* a password the entity keeps elsewhere travels under its own key */
        _mt_columns_text (cols, (f->flags & MT_FIELD_EXTRA) ? f->key : "password_hash", hash);
        return TRUE;
      }

    case MT_FIELD_MOBILE:
      if (!mt_validate_mobile (value, f->key, label, error))
        return FALSE;
      _mt_columns_text (cols, f->key, value);
      return TRUE;

    case MT_FIELD_ID_CARD:
      {
        g_autofree char *upper = g_ascii_strup (value, -1);
        g_autofree char *masked = old ? mt_mask_id_card (g_hash_table_lookup (old, f->key)) : NULL;

        /* the masked number an account without the permission was shown: unchanged */
        if (masked != NULL && masked[0] != '\0' && g_str_equal (upper, masked))
          return TRUE;
        if (!mt_validate_id_card (upper, f->key, label, error))
          return FALSE;
        _mt_columns_text (cols, f->key, upper);
        return TRUE;
      }

    case MT_FIELD_MONEY:
      {
        gint64 fen = 0;
        if (!mt_parse_fen (value, MT_MONEY_MAX_FEN, &fen, f->key, label, error))
          return FALSE;
        _mt_columns_int (cols, f->key, fen);
        return TRUE;
      }

    case MT_FIELD_INT:
      {
        gint64 v = 0;
        if (!mt_parse_int (value, f->min, f->max, &v, f->key, label, error))
          return FALSE;
        _mt_columns_int (cols, f->key, v);
        return TRUE;
      }

    case MT_FIELD_BOOL:
      {
        gboolean v = FALSE;
        if (!mt_parse_bool (value, &v, f->key, label, error))
          return FALSE;
        _mt_columns_int (cols, f->key, v);
        return TRUE;
      }

    case MT_FIELD_CHOICE:
      for (guint i = 0; f->choices[i].value; i++)
        if (g_str_equal (f->choices[i].value, value))
          {
            _mt_columns_text (cols, f->key, value);
            return TRUE;
          }
      mt_set_field_error (error, f->key, label, _("is not one of the offered choices"));
      return FALSE;

    case MT_FIELD_REF:
      {
        gint64 id = 0;
        if (!g_ascii_string_to_signed (value, 10, 1, G_MAXINT64, &id, NULL))
          {
            mt_set_field_error (error, f->key, label, empty ? _("is required") : _("is not a valid choice"));
            return FALSE;
          }
        if (!_mt_ref_check (db, actor, f->ref, id))
          {
            mt_set_field_error (error, f->key, label,
                                _("does not exist or is outside your operator"));
            return FALSE;
          }
        _mt_columns_int (cols, f->key, id);
        return TRUE;
      }

    case MT_FIELD_REGION:
      if (!mt_validate_region (db, value, (f->flags & MT_FIELD_LEAF) != 0, f->key, label, error))
        return FALSE;
      _mt_columns_text (cols, f->key, value);
      return TRUE;

    case MT_FIELD_HOURS:
      {
        int open = 0, close = 0;
        if (!mt_parse_hours (value, &open, &close, f->key, label, error))
          return FALSE;
        _mt_columns_int (cols, "open_minute", open);
        _mt_columns_int (cols, "close_minute", close);
        return TRUE;
      }

    case MT_FIELD_DATE:
      {
        gint64 at = 0;
        if (!mt_parse_date (value, &at))
          {
            mt_set_field_error (error, f->key, label, _("must be a date like 2026-11-24"));
            return FALSE;
          }
        _mt_columns_int (cols, f->key, at);
        return TRUE;
      }

    case MT_FIELD_COORD:
      {
        char *end = NULL;
        double v = g_ascii_strtod (value, &end);
        double limit = (double) f->max;

        if (end == value || *end != '\0' || !isfinite (v) || v < -limit || v > limit)
          {
            g_autofree char *problem = g_strdup_printf (_("must be a number from %d to %d"),
                                                        (int) -limit, (int) limit);
            mt_set_field_error (error, f->key, label, problem);
            return FALSE;
          }
        _mt_columns_double (cols, f->key, v);
        return TRUE;
      }

    case MT_FIELD_GEOMETRY:
      {
        g_autoptr(GError) local = NULL;
        g_autoptr(MtFence) fence = mt_fence_parse (value, &local);
        g_autofree char *canonical = NULL;

        if (fence == NULL)
          {
            g_propagate_error (error, g_steal_pointer (&local));
            return FALSE;
          }
        canonical = mt_fence_to_geojson (fence);
        _mt_columns_text (cols, f->key, canonical);
        _mt_columns_text (cols, "shape", mt_fence_shape_name (fence->shape));
        return TRUE;
      }

    case MT_FIELD_CAPS:
      {
        gint64 v = 0;
        if (!mt_parse_int (value, 0, MT_CAP_ALL, &v, f->key, label, error))
          return FALSE;
        _mt_columns_int (cols, f->key, v);
        return TRUE;
      }

    case MT_FIELD_PERMISSIONS:
      {
        g_auto(GStrv) list = g_strsplit_set (value, " ,\n", -1);
        g_autoptr(GString) clean = g_string_new ("");

        for (guint i = 0; list[i]; i++)
          {
            const char *colon;
            g_autofree char *page = NULL;

            if (list[i][0] == '\0')
              continue;
            if (!mt_permission_is_known (list[i]))
              {
                g_autofree char *problem = g_strdup_printf (_("“%s” is not a permission"), list[i]);
                mt_set_field_error (error, f->key, label, problem);
                return FALSE;
              }
            colon = strchr (list[i], ':');
            page = g_strndup (list[i], colon - list[i]);
            if (!mt_actor_can (actor, page, colon + 1))
              {
                g_autofree char *problem =
                  g_strdup_printf (_("you cannot grant “%s”, which you do not have yourself"), list[i]);
                mt_set_field_error (error, f->key, label, problem);
                return FALSE;
              }
            if (clean->len)
              g_string_append_c (clean, ' ');
            g_string_append (clean, list[i]);
          }
        _mt_columns_text (cols, f->key, clean->str);
        return TRUE;
      }
    }
  g_return_val_if_reached (FALSE);
}

static GHashTable *
load_row (MtDb           *db,
          const MtEntity *entity,
          gint64          id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT * FROM %s WHERE id = ? AND deleted = 0",
                                          entity->table);
  sqlite3_stmt *stmt = mt_db_prepare (db, NULL, sql, "i", id);
  GHashTable *row = NULL;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    {
      row = mt_fields_new ();
      for (int i = 0; i < sqlite3_column_count (stmt); i++)
        {
          const char *text = (const char *) sqlite3_column_text (stmt, i);
          if (text != NULL)
            g_hash_table_insert (row, g_strdup (sqlite3_column_name (stmt, i)), g_strdup (text));
        }
    }
  if (stmt)
    sqlite3_reset (stmt);
  return row;
}

gint64
_mt_row_int (GHashTable *row,
             const char *column)
{
  const char *v = row ? g_hash_table_lookup (row, column) : NULL;
  return v ? g_ascii_strtoll (v, NULL, 10) : 0;
}

static gboolean
row_in_scope (MtDb           *db,
              const MtActor  *actor,
              const MtEntity *entity,
              GHashTable     *row)
{
  if (entity->scope != NULL)
    return entity->scope (db, actor, row);
  if (entity->op_col == NULL)
    return TRUE;
  return mt_actor_owns_row (db, actor, _mt_row_int (row, entity->op_col),
                            entity->store_col ? _mt_row_int (row, entity->store_col) : 0);
}

/* Loads a row for a change: not found, out of scope and stale versions are errors */
GHashTable *
_mt_entity_fetch_for_change (MtDb           *db,
                             const MtActor  *actor,
                             const MtEntity *entity,
                             gint64          id,
                             gint64          version,
                             GError        **error)
{
  g_autoptr(GHashTable) row = load_row (db, entity, id);

  if (row == NULL)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_NOT_FOUND, _("%s %lld does not exist"),
                   _(entity->title), (long long) id);
      return NULL;
    }
  if (!row_in_scope (db, actor, entity, row))
    {
      mt_set_forbidden (error);
      return NULL;
    }
  if (version > 0 && _mt_row_int (row, "version") != version)
    {
      g_set_error (error, MT_ERROR, MT_ERROR_CONFLICT,
                   _("Someone else changed this %s meanwhile: it has been reloaded, "
                     "check it and make your change again"), _(entity->title));
      return NULL;
    }
  return g_steal_pointer (&row);
}

static gboolean
write_columns (MtDb           *db,
               const MtEntity *entity,
               gint64         *id,
               MtColumns      *cols,
               GError        **error)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  sqlite3_stmt *stmt;
  gint64 now = mt_now ();
  guint n = cols->cols->len;
  int rc;

  if (*id == 0)
    {
      g_string_append_printf (sql, "INSERT INTO %s (created_at, updated_at", entity->table);
      for (guint i = 0; i < n; i++)
        g_string_append_printf (sql, ", %s", g_array_index (cols->cols, MtColumn, i).name);
      g_string_append (sql, ") VALUES (?1, ?1");
      for (guint i = 0; i < n; i++)
        g_string_append_printf (sql, ", ?%u", i + 2);
      g_string_append (sql, ")");
    }
  else
    {
      g_string_append_printf (sql, "UPDATE %s SET updated_at = ?1, version = version + 1",
                              entity->table);
      for (guint i = 0; i < n; i++)
        g_string_append_printf (sql, ", %s = ?%u", g_array_index (cols->cols, MtColumn, i).name, i + 2);
      g_string_append_printf (sql, " WHERE id = ?%u", n + 2);
    }

  stmt = mt_db_prepare (db, error, sql->str, NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now);
  for (guint i = 0; i < n; i++)
    bind_column (stmt, i + 2, &g_array_index (cols->cols, MtColumn, i));
  if (*id != 0)
    sqlite3_bind_int64 (stmt, n + 2, *id);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      g_autoptr(GError) local = NULL;
      mt_db_step_error (db, rc, &local);
      if (local && local->code == MT_ERROR_CONFLICT && entity->unique_field != NULL)
        {
          const MtFieldSpec *f = NULL;
          for (guint i = 0; entity->fields[i].key; i++)
            if (g_str_equal (entity->fields[i].key, entity->unique_field))
              f = &entity->fields[i];
          mt_set_field_error (error, entity->unique_field, f ? _(f->label) : entity->unique_field,
                              _("is already used by another record"));
        }
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (*id == 0)
    *id = mt_db_last_insert_id (db);
  return TRUE;
}

gint64
mt_entity_save (MtDb           *db,
                const MtActor  *actor,
                const MtEntity *entity,
                gint64          id,
                gint64          version,
                GHashTable     *fields,
                GError        **error)
{
  g_autoptr(MtColumns) cols = columns_new ();
  g_autoptr(GHashTable) old = NULL;
  g_autoptr(MtTxn) txn = NULL;
  GHashTableIter iter;
  const char *key;
  gboolean creating = id == 0;

  g_return_val_if_fail (db != NULL && actor != NULL && entity != NULL, 0);
  g_return_val_if_fail (fields != NULL, 0);

  if (!mt_actor_require (actor, entity->page, "edit", error))
    return 0;
  if (!creating && !mt_validate_version (version, error))
    return 0;

  /* Unknown fields are refused, so a typo never silently drops a value */
  g_hash_table_iter_init (&iter, fields);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    {
      gboolean known = FALSE;
      for (guint i = 0; entity->fields[i].key && !known; i++)
        {
          const MtFieldSpec *f = &entity->fields[i];
          known = g_str_equal (f->key, key) ||
                  (f->kind == MT_FIELD_PASSWORD && g_str_has_prefix (key, f->key) &&
                   g_str_equal (key + strlen (f->key), "_confirm"));
        }
      if (!known)
        {
          mt_set_field_error (error, key, key, _("is not a field of this form"));
          return 0;
        }
    }

  txn = mt_txn_begin (db, error);
  if (txn == NULL)
    return 0;

  if (!creating)
    {
      old = _mt_entity_fetch_for_change (db, actor, entity, id, version, error);
      if (old == NULL)
        return 0;
    }

  for (guint i = 0; entity->fields[i].key; i++)
    {
      if (!field_to_columns (db, actor, &entity->fields[i], fields, old, cols, error))
        return 0;
      if (entity->fields[i].flags & MT_FIELD_EXTRA)
        columns_move_extra (cols, entity->fields[i].key);
    }

  if (entity->prepare != NULL && !entity->prepare (db, actor, id, old, fields, cols, error))
    return 0;

  if ((cols->cols->len > 0 || creating) && !write_columns (db, entity, &id, cols, error))
    return 0;

  if (entity->after_save != NULL && !entity->after_save (db, actor, id, old, cols, error))
    return 0;

  mt_audit (db, actor, creating ? "create" : "update", entity->table, id, "ok", NULL);
  return mt_txn_commit (txn, error) ? id : 0;
}

GHashTable *
mt_entity_load (MtDb           *db,
                const MtActor  *actor,
                const MtEntity *entity,
                gint64          id,
                GError        **error)
{
  g_autoptr(GHashTable) row = NULL;
  GHashTable *out;

  if (!mt_actor_can_view (actor, entity->page))
    {
      mt_actor_require (actor, entity->page, "view", error);
      return NULL;
    }
  row = _mt_entity_fetch_for_change (db, actor, entity, id, 0, error);
  if (row == NULL)
    return NULL;

  out = mt_fields_new ();
  g_hash_table_insert (out, g_strdup ("id"), g_strdup (g_hash_table_lookup (row, "id")));
  g_hash_table_insert (out, g_strdup ("version"), g_strdup (g_hash_table_lookup (row, "version")));
  for (guint i = 0; entity->fields[i].key; i++)
    {
      const MtFieldSpec *f = &entity->fields[i];
      const char *v = g_hash_table_lookup (row, f->key);
      char *text = NULL;

      switch (f->kind)
        {
        case MT_FIELD_PASSWORD:
          text = g_strdup ("");
          break;
        case MT_FIELD_HOURS:
          text = mt_format_hours ((int) _mt_row_int (row, "open_minute"),
                                  (int) _mt_row_int (row, "close_minute"));
          break;
        case MT_FIELD_MONEY:
          text = g_strdup_printf ("%" G_GINT64_FORMAT, _mt_row_int (row, f->key));
          break;
        case MT_FIELD_DATE:
          text = v ? mt_format_date (_mt_row_int (row, f->key)) : g_strdup ("");
          break;
        case MT_FIELD_ID_CARD:
          text = mt_actor_column_access (actor, entity->table, f->key) == MT_COLUMN_FULL ? g_strdup (v ? v : "")
                                                                                        : mt_mask_id_card (v);
          break;
        default:
          text = g_strdup (v ? v : "");
          break;
        }
      g_hash_table_insert (out, g_strdup (f->key), text);
    }
  if (entity->load_extra != NULL)
    entity->load_extra (db, id, out);
  return out;
}

gboolean
mt_entity_delete (MtDb           *db,
                  const MtActor  *actor,
                  const MtEntity *entity,
                  gint64          id,
                  gint64          version,
                  GError        **error)
{
  g_autoptr(GHashTable) old = NULL;
  g_autoptr(MtTxn) txn = NULL;
  g_autofree char *sql = NULL;

  if (!mt_actor_require (actor, entity->page, "delete", error))
    return FALSE;
  if (!mt_validate_version (version, error))
    return FALSE;
  txn = mt_txn_begin (db, error);
  if (txn == NULL)
    return FALSE;
  old = _mt_entity_fetch_for_change (db, actor, entity, id, version, error);
  if (old == NULL)
    return FALSE;
  if (entity->can_delete != NULL && !entity->can_delete (db, actor, id, old, error))
    return FALSE;
  sql = g_strdup_printf ("UPDATE %s SET deleted = 1, version = version + 1, updated_at = ? "
                         "WHERE id = ?", entity->table);
  if (!mt_db_run (db, error, sql, "ii", mt_now (), id))
    return FALSE;
  mt_audit (db, actor, "delete", entity->table, id, "ok", NULL);
  return mt_txn_commit (txn, error);
}
