/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-error"

#include "config.h"

#include <glib/gi18n.h>

#include "mt-error.h"

typedef struct
{
  char *field;
} MtErrorPrivate;

static void
mt_error_private_init (MtErrorPrivate *priv)
{
  priv->field = NULL;
}

static void
mt_error_private_copy (const MtErrorPrivate *src,
                       MtErrorPrivate       *dest)
{
  dest->field = g_strdup (src->field);
}

static void
mt_error_private_clear (MtErrorPrivate *priv)
{
  g_clear_pointer (&priv->field, g_free);
}

G_DEFINE_EXTENDED_ERROR (MtError, mt_error)

/**
 * mt_error_get_field:
 *
 * Returns: the key of the field an %MT_ERROR_INVALID error is about, or %NULL
 */
const char *
mt_error_get_field (const GError *error)
{
  MtErrorPrivate *priv;

  if (error == NULL || error->domain != MT_ERROR)
    return NULL;
  priv = mt_error_get_private (error);
  return priv ? priv->field : NULL;
}

/**
 * mt_set_field_error:
 * @field: the field's key (as in forms and JSON bodies)
 * @label: the field's translated label
 * @problem: the translated problem
 *
 * Sets an %MT_ERROR_INVALID error whose message names the field.
 */
void
mt_set_field_error (GError     **error,
                    const char  *field,
                    const char  *label,
                    const char  *problem)
{
  MtErrorPrivate *priv;

  if (error == NULL)
    return;
  /* TRANSLATORS: a form field's label, then what is wrong with its value */
  g_set_error (error, MT_ERROR, MT_ERROR_INVALID, _("%s: %s"), label, problem);
  priv = mt_error_get_private (*error);
  if (priv != NULL)
    priv->field = g_strdup (field);
}

/* An error as a remote peer reported it: its code, its own (already translated) message and the
 * field it names, if any */
void
mt_set_remote_error (GError     **error,
                     int          code,
                     const char  *field,
                     const char  *message)
{
  MtErrorPrivate *priv;

  if (error == NULL)
    return;
  g_set_error_literal (error, MT_ERROR, code, message);
  priv = mt_error_get_private (*error);
  if (priv != NULL && field != NULL)
    priv->field = g_strdup (field);
}

void
mt_set_forbidden (GError **error)
{
  g_set_error_literal (error, MT_ERROR, MT_ERROR_FORBIDDEN,
                       _("Forbidden: your account may not see or change this"));
}
