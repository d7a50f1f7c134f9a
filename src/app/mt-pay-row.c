/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-pay-row"

#include "config.h"

#include "mt-orders.h"
#include "mt-pay-row.h"

static const char *const methods[] = { "offline", "online", "balance" };

GtkWidget *
mt_pay_row_new (const char *title,
                gboolean    with_balance)
{
  GtkWidget *row = adw_combo_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  mt_pay_row_fill (row, with_balance);
  return row;
}

void
mt_pay_row_fill (GtkWidget *row,
                 gboolean   with_balance)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);

  for (guint i = 0; i < (with_balance ? 3 : 2); i++)
    gtk_string_list_append (labels, mt_choice_label (mt_pay_methods, methods[i]));
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (labels));
}

const char *
mt_pay_row_get (GtkWidget *row)
{
  guint n = g_list_model_get_n_items (adw_combo_row_get_model (ADW_COMBO_ROW (row)));

  return methods[MIN (adw_combo_row_get_selected (ADW_COMBO_ROW (row)), n - 1)];
}

void
mt_pay_row_set (GtkWidget  *row,
                const char *method)
{
  guint n = g_list_model_get_n_items (adw_combo_row_get_model (ADW_COMBO_ROW (row)));

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (methods[i], method) == 0)
      adw_combo_row_set_selected (ADW_COMBO_ROW (row), i);
}

GtkWidget *
mt_switch_row_add (GtkWidget   *group,
                   const char  *title,
                   const char  *subtitle,
                   GtkWidget  **sw)
{
  GtkWidget *row = adw_action_row_new ();

  *sw = gtk_switch_new ();
  gtk_widget_set_valign (*sw, GTK_ALIGN_CENTER);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), *sw);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), *sw);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  return row;
}
