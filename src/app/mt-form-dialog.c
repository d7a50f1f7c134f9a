/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mt-form-dialog"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "mt-billing.h"
#include "mt-error.h"
#include "mt-form-dialog.h"
#include "mt-date-picker.h"
#include "mt-permission-tree.h"
#include "mt-sync-engine.h"
#include "mt-fence-editor.h"
#include "mt-position-picker.h"
#include "mt-validate.h"
#include "mt-ops.h"

typedef struct
{
  const MtFieldSpec *spec;
  GtkWidget         *row;      /* the row that shows errors */
  GtkWidget         *widget;   /* entry row, switch, combo row */
  GtkWidget         *confirm;  /* password confirmation */
  GPtrArray         *options;  /* CHOICE/REF: ids in combo order */
  GtkWidget         *levels[3];/* REGION cascade */
  GPtrArray         *level_options[3];
  GPtrArray         *checks;   /* CAPS / PERMISSIONS: GtkCheckButton with "value" data */
} Field;

struct _MtFormDialog
{
  GtkWindow          parent_instance;

  MtContext         *context;
  MtDb              *db;       /* the context's */
  const MtActor     *actor;    /* the context's */
  const MtEntity    *entity;
  gint64             id;
  gint64             version;
  GArray            *fields;   /* Field */
  GtkWidget         *error_label;
  GtkWidget         *save_button;
  GtkWidget         *group;      /* the fields' rows */
  char              *error;
  gboolean           closed;   /* disposed: late answers leave it alone */
  MtPositionPicker  *picker;   /* the latitude and longitude on a map, when the entity has them */
  gboolean           picking;  /* the picker is writing the fields: they do not move it back */
};

G_DEFINE_FINAL_TYPE (MtFormDialog, mt_form_dialog, GTK_TYPE_WINDOW)

enum { SAVED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
field_clear (gpointer data)
{
  Field *f = data;

  g_clear_pointer (&f->options, g_ptr_array_unref);
  g_clear_pointer (&f->checks, g_ptr_array_unref);
  for (guint i = 0; i < 3; i++)
    g_clear_pointer (&f->level_options[i], g_ptr_array_unref);
}

static void
mt_form_dialog_dispose (GObject *object)
{
  MT_FORM_DIALOG (object)->closed = TRUE;
  G_OBJECT_CLASS (mt_form_dialog_parent_class)->dispose (object);
}

static void
mt_form_dialog_finalize (GObject *object)
{
  MtFormDialog *self = MT_FORM_DIALOG (object);

  g_clear_pointer (&self->fields, g_array_unref);
  g_free (self->error);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (mt_form_dialog_parent_class)->finalize (object);
}

static void save_action (GtkWidget *widget, const char *name, GVariant *param);

static void
mt_form_dialog_class_init (MtFormDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mt_form_dialog_dispose;
  G_OBJECT_CLASS (klass)->finalize = mt_form_dialog_finalize;
  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  gtk_widget_class_add_binding_action (GTK_WIDGET_CLASS (klass), GDK_KEY_Escape, 0,
                                       "window.close", NULL);
  gtk_widget_class_set_template_from_resource (GTK_WIDGET_CLASS (klass), "/com/mtxnyjs/Mingtang/ui/mt-form-dialog.ui");
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtFormDialog, save_button);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtFormDialog, error_label);
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), MtFormDialog, group);
  gtk_widget_class_install_action (GTK_WIDGET_CLASS (klass), "form.save", NULL, save_action);
}

static void
mt_form_dialog_init (MtFormDialog *self)
{
  self->fields = g_array_new (FALSE, TRUE, sizeof (Field));
  g_array_set_clear_func (self->fields, field_clear);
  gtk_widget_init_template (GTK_WIDGET (self));
}

static GtkStringList *
labels_of (GPtrArray *options,
           const char *first)
{
  GtkStringList *list = gtk_string_list_new (NULL);

  if (first)
    gtk_string_list_append (list, first);
  for (guint i = 0; i < options->len; i++)
    gtk_string_list_append (list, ((MtOption *) options->pdata[i])->label);
  return list;
}

static void fill_region_level (MtFormDialog *self, Field *f, guint level, const char *parent);

static void
region_changed_cb (GtkDropDown  *dropdown,
                   GParamSpec   *pspec,
                   MtFormDialog *self)
{
  for (guint i = 0; i < self->fields->len; i++)
    {
      Field *f = &g_array_index (self->fields, Field, i);
      for (guint level = 0; level < 2; level++)
        if (f->levels[level] == GTK_WIDGET (dropdown))
          {
            guint pos = gtk_drop_down_get_selected (dropdown);
            const char *code = pos > 0 && pos - 1 < f->level_options[level]->len
                               ? ((MtOption *) f->level_options[level]->pdata[pos - 1])->id : NULL;
            fill_region_level (self, f, level + 1, code);
          }
    }
}

static void
fill_region_level (MtFormDialog *self,
                   Field        *f,
                   guint         level,
                   const char   *parent)
{
  static const char *const prompts[] = { N_("Province"), N_("City"), N_("District") };
  g_autoptr(GtkStringList) labels = NULL;

  g_clear_pointer (&f->level_options[level], g_ptr_array_unref);
  f->level_options[level] = (level == 0 || parent) ? mt_region_children (self->db, parent)
                                                   : g_ptr_array_new_with_free_func ((GDestroyNotify) mt_option_free);
  labels = labels_of (f->level_options[level], _(prompts[level]));
  g_signal_handlers_block_by_func (f->levels[level], region_changed_cb, self);
  gtk_drop_down_set_model (GTK_DROP_DOWN (f->levels[level]), G_LIST_MODEL (labels));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (f->levels[level]), 0);
  g_signal_handlers_unblock_by_func (f->levels[level], region_changed_cb, self);
  if (level < 2)
    fill_region_level (self, f, level + 1, NULL);
}

static void
select_region (MtFormDialog *self,
               Field        *f,
               const char   *code)
{
  for (guint level = 0; level < 3 && code; level++)
    {
      static const guint lengths[] = { 2, 4, 6 };
      g_autofree char *prefix = g_strndup (code, level == 2 ? strlen (code) : lengths[level]);
      GPtrArray *opts = f->level_options[level];

      for (guint i = 0; opts && i < opts->len; i++)
        if (g_str_equal (((MtOption *) opts->pdata[i])->id, prefix))
          {
            gtk_drop_down_set_selected (GTK_DROP_DOWN (f->levels[level]), i + 1);
            break;
          }
    }
}

static GtkWidget *
check_for (const char *label,
           const char *value,
           gboolean    active)
{
  GtkWidget *check = gtk_check_button_new_with_label (label);

  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), active);
  g_object_set_data_full (G_OBJECT (check), "value", g_strdup (value), g_free);
  return check;
}

static void
data_item_setup_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *item,
                    gpointer                  data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, "mt-data");   /* rows of the database, not interface text */
  gtk_list_item_set_child (item, label);
}

static void
data_item_bind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   gpointer                  data)
{
  GtkStringObject *string = gtk_list_item_get_item (item);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), gtk_string_object_get_string (string));
}

/* Choices that are database rows (a store, a device type) shown as data */
static GtkListItemFactory *
data_item_factory (void)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (data_item_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (data_item_bind_cb), NULL);
  return factory;
}

/* The contract editor's actions, on its text view: contract.insert (a placeholder's key, put in
 * by its name in the console's language) and contract.format ("heading", "bold", "list",
 * "table": the simple markup the contract PDF draws) */
static void
contract_insert_cb (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  const char *title = mt_contract_placeholder_title (g_variant_get_string (param, NULL));
  g_autofree char *text = title ? g_strdup_printf ("{%s}", title) : NULL;

  if (text == NULL)
    return;
  gtk_text_buffer_delete_selection (buffer, TRUE, TRUE);
  gtk_text_buffer_insert_at_cursor (buffer, text, -1);
  gtk_widget_grab_focus (view);
}

static void
contract_format_cb (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  const char *how = g_variant_get_string (param, NULL);
  GtkTextIter start, end;

  gtk_text_buffer_get_selection_bounds (buffer, &start, &end);
  gtk_text_buffer_begin_user_action (buffer);
  if (g_str_equal (how, "bold"))
    {
      /* around the selection, or an empty pair to type in */
      GtkTextMark *mark = gtk_text_buffer_create_mark (buffer, NULL, &end, FALSE);

      gtk_text_buffer_insert (buffer, &start, "**", -1);
      gtk_text_buffer_get_iter_at_mark (buffer, &end, mark);
      gtk_text_buffer_insert (buffer, &end, "**", -1);
      gtk_text_buffer_delete_mark (buffer, mark);
    }
  else if (g_str_equal (how, "heading") || g_str_equal (how, "list"))
    {
      gtk_text_iter_set_line_offset (&start, 0);
      gtk_text_buffer_insert (buffer, &start, g_str_equal (how, "heading") ? "# " : "- ", -1);
    }
  else if (g_str_equal (how, "table"))
    {
      /* TRANSLATORS: a contract's table as first put in: a header row, its rule, an empty row */
      g_autofree char *table = g_strdup_printf ("\n| %s | %s |\n|---|---|\n|  |  |\n", _("Item"), _("Amount"));

      gtk_text_buffer_insert (buffer, &end, table, -1);
    }
  gtk_text_buffer_end_user_action (buffer);
  gtk_widget_grab_focus (view);
}

static GMenuModel *
contract_menu_model (void)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) names = g_menu_new ();
  g_autoptr(GMenu) format = g_menu_new ();
  const char *const *keys = mt_contract_placeholders ();

  for (guint i = 0; keys[i]; i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (mt_contract_placeholder_title (keys[i]), NULL);

      g_menu_item_set_action_and_target_value (item, "contract.insert", g_variant_new_string (keys[i]));
      g_menu_append_item (names, item);
    }
  g_menu_append (format, _("Heading"), "contract.format::heading");
  g_menu_append (format, _("Bold"), "contract.format::bold");
  g_menu_append (format, _("List Item"), "contract.format::list");
  g_menu_append (format, _("Table"), "contract.format::table");
  g_menu_append_submenu (menu, _("Insert Placeholder"), G_MENU_MODEL (names));
  g_menu_append_section (menu, _("Format"), G_MENU_MODEL (format));
  return G_MENU_MODEL (menu);
}

/* The contract's tools: its actions on the view, the same in its right-click menu, and a menu
 * button beside its title */
static GtkWidget *
placeholder_menu (GtkWidget *view,
                  GtkWidget *bar)
{
  static const GActionEntry entries[] = {
    { "insert", contract_insert_cb, "s" }, { "format", contract_format_cb, "s" },
  };
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GMenuModel) model = contract_menu_model ();
  GtkWidget *menu = gtk_menu_button_new ();

  g_action_map_add_action_entries (G_ACTION_MAP (group), entries, G_N_ELEMENTS (entries), view);
  /* the view's right-click menu and the bar's button both reach them */
  gtk_widget_insert_action_group (view, "contract", G_ACTION_GROUP (group));
  gtk_widget_insert_action_group (bar, "contract", G_ACTION_GROUP (group));
  gtk_text_view_set_extra_menu (GTK_TEXT_VIEW (view), model);
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (menu), model);
  gtk_menu_button_set_label (GTK_MENU_BUTTON (menu), _("Insert Placeholder"));
  gtk_widget_set_tooltip_text (menu, _("Party A, party B, mobile, ID card, store, device, dates and amounts, "
                                       "filled in for each order; headings, bold, lists and a table"));
  return menu;
}

static GtkWidget *
title_label (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  return label;
}

/* A row that is not a one-line entry: its @header over its @content (a text, a map) */
static GtkWidget *
boxed_row (GtkWidget *header,
           GtkWidget *content)
{
  GtkWidget *row = adw_preferences_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), content);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  return row;
}

/* The form shows money in yuan; the core keeps and takes whole fen */
static void
values_fen_to_yuan (const MtEntity *entity,
                    GHashTable     *values)
{
  guint n_fields;
  const MtFieldSpec *specs = mt_entity_get_fields (entity, &n_fields);

  for (guint i = 0; i < n_fields; i++)
    {
      const char *fen = g_hash_table_lookup (values, specs[i].key);

      if (specs[i].kind == MT_FIELD_MONEY && fen != NULL && fen[0] != '\0')
        g_hash_table_insert (values, g_strdup (specs[i].key), mt_format_yuan (g_ascii_strtoll (fen, NULL, 10)));
    }
}

/* A field that must be filled in says so in its title: "Name *" (not a password kept as it is
 * when editing, nor a value fixed once the record exists) */
static void
mark_required (MtFormDialog *self,
               Field        *f)
{
  const char *title;
  g_autofree char *marked = NULL;

  if (!(f->spec->flags & MT_FIELD_REQUIRED) || !ADW_IS_PREFERENCES_ROW (f->row) ||
      (self->id != 0 && (f->spec->kind == MT_FIELD_PASSWORD || (f->spec->flags & MT_FIELD_CREATE_ONLY))))
    return;
  title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (f->row));
  if (title == NULL || *title == '\0')
    return;
  /* TRANSLATORS: a form field that must be filled in */
  marked = g_strdup_printf (_("%s *"), title);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (f->row), marked);
  if (f->confirm != NULL)
    {
      g_autofree char *confirm = g_strdup_printf (_("%s *"),
                                                  adw_preferences_row_get_title (ADW_PREFERENCES_ROW (f->confirm)));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (f->confirm), confirm);
    }
  gtk_widget_set_tooltip_text (f->row, gtk_widget_get_tooltip_text (f->row) ? gtk_widget_get_tooltip_text (f->row)
                                                                          : _("Required"));
}

/* "HH:MM" of a minute of the day */
static char *
minute_text (int minute)
{
  return g_strdup_printf ("%02d:%02d", minute / 60, minute % 60);
}

/* A time of day by the half hour (24:00 for a closing time), with @minute chosen */
static GtkWidget *
time_choice_new (int      minute,
                 gboolean closing)
{
  g_autoptr(GtkStringList) times = gtk_string_list_new (NULL);
  guint selected = 0, n = 0;
  gboolean placed = FALSE;

  for (int m = closing ? 30 : 0; m <= (closing ? 24 * 60 : 24 * 60 - 30); m += 30)
    {
      g_autofree char *text = NULL;

      if (!placed && minute < m)
        {
          /* a stored time off the half hours keeps its place */
          g_autofree char *own = minute_text (minute);

          gtk_string_list_append (times, own);
          selected = n++;
          placed = TRUE;
        }
      text = minute_text (m);
      gtk_string_list_append (times, text);
      if (m == minute)
        selected = n, placed = TRUE;
      n++;
    }
  if (!placed)
    {
      g_autofree char *own = minute_text (minute);

      gtk_string_list_append (times, own);
      selected = n;
    }
  {
    GtkWidget *choice = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (times)), NULL);

    gtk_drop_down_set_selected (GTK_DROP_DOWN (choice), selected);
    return choice;
  }
}

static void
select_time (GtkWidget  *choice,
             const char *text)
{
  GListModel *model = gtk_drop_down_get_model (GTK_DROP_DOWN (choice));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (model), i), text))
      gtk_drop_down_set_selected (GTK_DROP_DOWN (choice), i);
}

static GtkWidget *
build_field (MtFormDialog *self,
             Field        *f,
             GHashTable   *values)
{
  const MtFieldSpec *spec = f->spec;
  const char *value = values ? g_hash_table_lookup (values, spec->key) : NULL;
  const char *label = _(spec->label);
  gboolean readonly = self->id != 0 && (spec->flags & MT_FIELD_CREATE_ONLY);

  if (value == NULL && self->id == 0)
    value = spec->initial;

  switch (spec->kind)
    {
    case MT_FIELD_BOOL:
      f->row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (f->row), label);
      f->widget = gtk_switch_new ();
      gtk_widget_set_valign (f->widget, GTK_ALIGN_CENTER);
      gtk_switch_set_active (GTK_SWITCH (f->widget),
                             value ? g_str_equal (value, "1") : !g_str_has_prefix (spec->key, "pay_offline") &&
                                                                !g_str_equal (spec->key, "forced_settlement") &&
                                                                !g_str_equal (spec->key, "power_cut_unrented"));
      adw_action_row_add_suffix (ADW_ACTION_ROW (f->row), f->widget);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (f->row), f->widget);
      return f->row;

    case MT_FIELD_CHOICE:
    case MT_FIELD_REF:
      {
        g_autoptr(GtkStringList) labels = NULL;
        g_autofree char *own_id = NULL;
        guint selected = 0;

        if (spec->kind == MT_FIELD_CHOICE)
          {
            f->options = g_ptr_array_new_with_free_func ((GDestroyNotify) mt_option_free);
            for (guint i = 0; spec->choices[i].value; i++)
              {
                MtOption *o = g_new0 (MtOption, 1);
                o->id = g_strdup (spec->choices[i].value);
                o->label = g_strdup (_(spec->choices[i].label));
                g_ptr_array_add (f->options, o);
              }
          }
        else
          f->options = mt_lookup (self->db, self->actor, spec->ref, NULL, 0);
        labels = labels_of (f->options, (spec->flags & MT_FIELD_OPTIONAL) ? _("None") : _("Choose…"));
        /* a new record starts in the account's own operator and store */
        if (value == NULL && self->id == 0 && spec->kind == MT_FIELD_REF)
          {
            gint64 own = g_str_equal (spec->ref, "operators") && g_str_equal (spec->key, "operator_id")
                         ? self->actor->operator_id
                         : g_str_equal (spec->ref, "stores") ? self->actor->store_id : 0;

            if (own != 0)
              value = own_id = g_strdup_printf ("%" G_GINT64_FORMAT, own);
          }
        for (guint i = 0; value && i < f->options->len; i++)
          if (g_str_equal (((MtOption *) f->options->pdata[i])->id, value))
            selected = i + 1;
        f->row = f->widget = adw_combo_row_new ();
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (f->row), label);
        if (spec->kind == MT_FIELD_REF)
          {
            g_autoptr(GtkListItemFactory) factory = data_item_factory ();
            adw_combo_row_set_factory (ADW_COMBO_ROW (f->row), factory);
          }
        adw_combo_row_set_model (ADW_COMBO_ROW (f->row), G_LIST_MODEL (labels));
        adw_combo_row_set_selected (ADW_COMBO_ROW (f->row), selected);
        gtk_widget_set_sensitive (f->row, !readonly);
        return f->row;
      }

    case MT_FIELD_REGION:
      {
        GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

        f->row = adw_action_row_new ();
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (f->row), label);
        for (guint level = 0; level < 3; level++)
          {
            f->levels[level] = gtk_drop_down_new (NULL, NULL);
            gtk_widget_set_valign (f->levels[level], GTK_ALIGN_CENTER);
            g_signal_connect (f->levels[level], "notify::selected", G_CALLBACK (region_changed_cb), self);
            gtk_box_append (GTK_BOX (box), f->levels[level]);
          }
        adw_action_row_add_suffix (ADW_ACTION_ROW (f->row), box);
        fill_region_level (self, f, 0, NULL);
        select_region (self, f, value);
        return f->row;
      }

    case MT_FIELD_CAPS:
    case MT_FIELD_PERMISSIONS:
      {
        GtkWidget *flow = gtk_flow_box_new ();
        guint64 caps = value ? g_ascii_strtoull (value, NULL, 10) : 0;

        f->checks = g_ptr_array_new ();
        f->row = adw_expander_row_new ();
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (f->row), label);
        gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (flow), GTK_SELECTION_NONE);
        gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (flow), 3);
        gtk_widget_set_margin_start (flow, 12);
        gtk_widget_set_margin_end (flow, 12);
        if (spec->kind == MT_FIELD_CAPS)
          {
            for (guint i = 0; i < MT_N_CAPS; i++)
              {
                g_autofree char *v = g_strdup_printf ("%u", 1u << i);
                GtkWidget *check = check_for (mt_capability_title (1u << i), v, (caps & (1u << i)) != 0);
                g_ptr_array_add (f->checks, check);
                gtk_flow_box_append (GTK_FLOW_BOX (flow), check);
              }
            adw_expander_row_add_row (ADW_EXPANDER_ROW (f->row), flow);
          }
        else
          {
            /* the admin's tree: group → page → action */
            g_object_unref (g_object_ref_sink (f->row));
            g_object_unref (g_object_ref_sink (flow));
            f->widget = GTK_WIDGET (mt_permission_tree_new (self->actor));
            mt_permission_tree_set_permissions (MT_PERMISSION_TREE (f->widget), value);
            f->row = boxed_row (title_label (label), f->widget);
            return f->row;
          }
        adw_expander_row_set_expanded (ADW_EXPANDER_ROW (f->row), TRUE);
        return f->row;
      }

    case MT_FIELD_GEOMETRY:
      f->widget = GTK_WIDGET (mt_fence_editor_new (self->db, self->actor->operator_id));
      mt_fence_editor_set_geojson (MT_FENCE_EDITOR (f->widget), value);
      f->row = boxed_row (title_label (label), f->widget);
      return f->row;

    case MT_FIELD_MULTILINE:
      {
        GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
        GtkWidget *title = title_label (label);
        GtkWidget *scroller = gtk_scrolled_window_new ();

        f->widget = gtk_text_view_new ();
        gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (f->widget), GTK_WRAP_WORD_CHAR);
        gtk_text_view_set_left_margin (GTK_TEXT_VIEW (f->widget), 8);
        gtk_text_view_set_right_margin (GTK_TEXT_VIEW (f->widget), 8);
        gtk_text_view_set_top_margin (GTK_TEXT_VIEW (f->widget), 8);
        gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (f->widget), 8);
        gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (f->widget)), value ? value : "", -1);
        gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), f->widget);
        gtk_widget_set_size_request (scroller, -1, 160);
        gtk_widget_add_css_class (scroller, "card");
        gtk_widget_set_hexpand (title, TRUE);
        gtk_box_append (GTK_BOX (top), title);
        if (g_str_equal (spec->key, "contract"))
          gtk_box_append (GTK_BOX (top), placeholder_menu (f->widget, top));
        f->row = boxed_row (top, scroller);
        return f->row;
      }

    case MT_FIELD_PASSWORD:
      {
        g_autofree char *confirm_title = g_strdup_printf (_("Confirm %s"), label);

        f->row = f->widget = adw_password_entry_row_new ();
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (f->row), self->id ? _("New password (leave empty to keep)") : label);
        f->confirm = adw_password_entry_row_new ();
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (f->confirm), confirm_title);
        /* a password set only with the record (an operator's first account) is not edited here */
        gtk_widget_set_visible (f->row, !readonly);
        gtk_widget_set_visible (f->confirm, !readonly);
        return f->row;
      }

    case MT_FIELD_HOURS:
      {
        /* opening and closing times, by the half hour (and the minute stored, if another) */
        GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
        int open = 8 * 60, close = 22 * 60;

        if (value == NULL || !mt_parse_hours (value, &open, &close, spec->key, label, NULL))
          mt_parse_hours (spec->hint ? spec->hint : "08:00-22:00", &open, &close, spec->key, label, NULL);
        f->row = adw_action_row_new ();
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (f->row), label);
        for (guint end = 0; end < 2; end++)
          {
            f->levels[end] = time_choice_new (end ? close : open, end == 1);
            gtk_widget_set_valign (f->levels[end], GTK_ALIGN_CENTER);
            gtk_accessible_update_property (GTK_ACCESSIBLE (f->levels[end]), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                            end ? _("Closes at") : _("Opens at"), -1);
            gtk_box_append (GTK_BOX (box), f->levels[end]);
            if (end == 0)
              gtk_box_append (GTK_BOX (box), gtk_label_new ("–"));
          }
        adw_action_row_add_suffix (ADW_ACTION_ROW (f->row), box);
        gtk_widget_set_sensitive (f->row, !readonly);
        return f->row;
      }

    default:
      f->row = f->widget = adw_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (f->row), label);
      if (value)
        gtk_editable_set_text (GTK_EDITABLE (f->widget), value);
      gtk_widget_set_sensitive (f->row, !readonly);
      if (spec->hint)
        gtk_widget_set_tooltip_text (f->row, _(spec->hint));
      if (spec->kind == MT_FIELD_DATE)
        adw_entry_row_add_suffix (ADW_ENTRY_ROW (f->row), mt_date_picker_new (GTK_EDITABLE (f->widget)));
      return f->row;
    }
}

static char *
field_value (Field *f)
{
  switch (f->spec->kind)
    {
    case MT_FIELD_BOOL:
      return g_strdup (gtk_switch_get_active (GTK_SWITCH (f->widget)) ? "1" : "0");

    case MT_FIELD_CHOICE:
    case MT_FIELD_REF:
      {
        guint pos = adw_combo_row_get_selected (ADW_COMBO_ROW (f->widget));
        if (pos == 0 || pos == GTK_INVALID_LIST_POSITION || pos - 1 >= f->options->len)
          return g_strdup ("");
        return g_strdup (((MtOption *) f->options->pdata[pos - 1])->id);
      }

    case MT_FIELD_REGION:
      for (int level = 2; level >= 0; level--)
        {
          guint pos = gtk_drop_down_get_selected (GTK_DROP_DOWN (f->levels[level]));
          if (pos > 0 && pos != GTK_INVALID_LIST_POSITION && pos - 1 < f->level_options[level]->len)
            return g_strdup (((MtOption *) f->level_options[level]->pdata[pos - 1])->id);
        }
      return g_strdup ("");

    case MT_FIELD_CAPS:
      {
        guint caps = 0;
        for (guint i = 0; i < f->checks->len; i++)
          if (gtk_check_button_get_active (f->checks->pdata[i]))
            caps |= (guint) g_ascii_strtoull (g_object_get_data (f->checks->pdata[i], "value"), NULL, 10);
        return g_strdup_printf ("%u", caps);
      }

    case MT_FIELD_PERMISSIONS:
      return mt_permission_tree_get_permissions (MT_PERMISSION_TREE (f->widget));

    case MT_FIELD_HOURS:
      {
        GtkStringObject *open = gtk_drop_down_get_selected_item (GTK_DROP_DOWN (f->levels[0]));
        GtkStringObject *close = gtk_drop_down_get_selected_item (GTK_DROP_DOWN (f->levels[1]));

        return g_strdup_printf ("%s-%s", open ? gtk_string_object_get_string (open) : "",
                                close ? gtk_string_object_get_string (close) : "");
      }

    case MT_FIELD_GEOMETRY:
      return mt_fence_editor_get_geojson (MT_FENCE_EDITOR (f->widget));

    case MT_FIELD_MULTILINE:
      {
        GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (f->widget));
        GtkTextIter start, end;

        gtk_text_buffer_get_bounds (buffer, &start, &end);
        return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
      }

    default:
      return g_strdup (gtk_editable_get_text (GTK_EDITABLE (f->widget)));
    }
}

static Field *
find_field (MtFormDialog *self,
            const char   *key)
{
  for (guint i = 0; i < self->fields->len; i++)
    if (g_str_equal (g_array_index (self->fields, Field, i).spec->key, key))
      return &g_array_index (self->fields, Field, i);
  return NULL;
}

/* The pin moved: the latitude and longitude fields follow */
static void
picker_changed_cb (MtFormDialog *self)
{
  MtGeoPoint p;
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  if (!mt_position_picker_get_position (self->picker, &p))
    return;
  self->picking = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (find_field (self, "lat")->widget), g_ascii_formatd (text, sizeof text, "%.6f", p.lat));
  gtk_editable_set_text (GTK_EDITABLE (find_field (self, "lng")->widget), g_ascii_formatd (text, sizeof text, "%.6f", p.lng));
  self->picking = FALSE;
}

/* Typed in: the pin goes there, once both are numbers */
static void
coords_changed_cb (MtFormDialog *self)
{
  const char *lat = gtk_editable_get_text (GTK_EDITABLE (find_field (self, "lat")->widget));
  const char *lng = gtk_editable_get_text (GTK_EDITABLE (find_field (self, "lng")->widget));
  char *end_lat = NULL, *end_lng = NULL;
  MtGeoPoint p = { g_ascii_strtod (lat, &end_lat), g_ascii_strtod (lng, &end_lng) };
  gboolean valid = *lat && *lng && *end_lat == '\0' && *end_lng == '\0' && fabs (p.lat) <= 90 && fabs (p.lng) <= 180;

  if (!self->picking)
    mt_position_picker_set_position (self->picker, valid, p);
}

static GtkWidget *
picker_row_new (MtFormDialog *self)
{
  GtkWidget *row;

  self->picker = mt_position_picker_new (self->context);
  row = boxed_row (title_label (_("Position on the map")), GTK_WIDGET (self->picker));
  coords_changed_cb (self);
  g_signal_connect_swapped (self->picker, "changed", G_CALLBACK (picker_changed_cb), self);
  g_signal_connect_swapped (find_field (self, "lat")->widget, "changed", G_CALLBACK (coords_changed_cb), self);
  g_signal_connect_swapped (find_field (self, "lng")->widget, "changed", G_CALLBACK (coords_changed_cb), self);
  return row;
}

MtPositionPicker *
mt_form_dialog_get_picker (MtFormDialog *self)
{
  return self->picker;
}

GtkWidget *
mt_form_dialog_get_field_widget (MtFormDialog *self,
                                 const char   *key)
{
  for (guint i = 0; i < self->fields->len; i++)
    {
      Field *f = &g_array_index (self->fields, Field, i);

      if (g_str_equal (f->spec->key, key))
        return f->widget;
    }
  return NULL;
}

const char *
mt_form_dialog_get_error (MtFormDialog *self)
{
  return self->error;
}

static void
show_error (MtFormDialog *self,
            const GError *error)
{
  const char *bad_field = mt_error_get_field (error);

  g_free (self->error);
  self->error = g_strdup (error->message);
  gtk_label_set_text (GTK_LABEL (self->error_label), error->message);
  gtk_widget_set_visible (self->error_label, TRUE);
  for (guint i = 0; bad_field && i < self->fields->len; i++)
    {
      Field *f = &g_array_index (self->fields, Field, i);
      if (g_str_equal (f->spec->key, bad_field))
        {
          gtk_widget_add_css_class (f->row, "error");
          gtk_widget_grab_focus (f->row);
        }
    }
}

/* Someone else changed the row: what is there now, so the user edits that */
static void
reload_values (MtFormDialog *self)
{
  g_autoptr(GHashTable) values = mt_entity_load (self->db, self->actor, self->entity, self->id, NULL);

  if (values == NULL)
    return;
  values_fen_to_yuan (self->entity, values);
  self->version = g_ascii_strtoll (g_hash_table_lookup (values, "version"), NULL, 10);
  for (guint i = 0; i < self->fields->len; i++)
    {
      Field *f = &g_array_index (self->fields, Field, i);
      const char *value = g_hash_table_lookup (values, f->spec->key);

      if (f->spec->kind != MT_FIELD_PASSWORD && value != NULL)
        mt_form_dialog_set_value (self, f->spec->key, value);
    }
}

static void
conflict_pulled_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  g_autoptr(MtFormDialog) self = data;

  mt_sync_engine_pull_finish (MT_SYNC_ENGINE (source), result, NULL);
  if (!self->closed)
    reload_values (self);
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  g_autoptr(MtFormDialog) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = mt_context_call_finish (MT_CONTEXT (source), result, &error);
  MtSyncEngine *engine = mt_context_get_engine (self->context);

  if (self->closed)
    return;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "form.save", TRUE);
  if (answer == NULL)
    {
      show_error (self, error);
      if (g_error_matches (error, MT_ERROR, MT_ERROR_CONFLICT) && self->id != 0)
        {
          if (engine != NULL)   /* the replica may not hold the winner yet */
            mt_sync_engine_pull_async (engine, NULL, conflict_pulled_cb, g_object_ref (self));
          else
            reload_values (self);
        }
      return;
    }
  g_clear_pointer (&self->error, g_free);
  g_signal_emit (self, signals[SAVED], 0, self->id ? self->id : mt_api_answer_id (answer));
  gtk_window_destroy (GTK_WINDOW (self));
}

void
mt_form_dialog_save (MtFormDialog *self)
{
  g_autoptr(GHashTable) values = mt_fields_new ();
  g_autoptr(MtApiRequest) request = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < self->fields->len; i++)
    {
      Field *f = &g_array_index (self->fields, Field, i);

      gtk_widget_remove_css_class (f->row, "error");
      if (self->id != 0 && (f->spec->flags & MT_FIELD_CREATE_ONLY))
        continue;
      if (f->spec->kind == MT_FIELD_MONEY)
        {
          g_autofree char *yuan = field_value (f);
          gint64 fen = 0;

          g_strstrip (yuan);
          if (yuan[0] != '\0' && !mt_parse_money (yuan, &fen, f->spec->key, _(f->spec->label), &error))
            {
              show_error (self, error);
              return;
            }
          g_hash_table_insert (values, g_strdup (f->spec->key),
                               yuan[0] ? g_strdup_printf ("%" G_GINT64_FORMAT, fen) : g_strdup (""));
          continue;
        }
      g_hash_table_insert (values, g_strdup (f->spec->key), field_value (f));
      if (f->confirm)
        g_hash_table_insert (values, g_strconcat (f->spec->key, "_confirm", NULL),
                             g_strdup (gtk_editable_get_text (GTK_EDITABLE (f->confirm))));
    }

  request = mt_api_request_new (self->id ? "entity.update" : "entity.create");
  mt_api_request_set_entity (request, mt_entity_get_page (self->entity));
  if (self->id != 0)
    {
      mt_api_request_set_id (request, self->id);
      mt_api_request_set_int (request, "version", self->version);
    }
  mt_api_request_set_fields (request, values);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "form.save", FALSE);
  mt_context_call_async (self->context, request, NULL, saved_cb, g_object_ref (self));
}

static void
save_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  mt_form_dialog_save (MT_FORM_DIALOG (widget));
}

void
mt_form_dialog_set_value (MtFormDialog *self,
                          const char   *key,
                          const char   *value)
{
  for (guint i = 0; i < self->fields->len; i++)
    {
      Field *f = &g_array_index (self->fields, Field, i);

      if (!g_str_equal (f->spec->key, key))
        continue;
      switch (f->spec->kind)
        {
        case MT_FIELD_BOOL:
          gtk_switch_set_active (GTK_SWITCH (f->widget), g_strcmp0 (value, "1") == 0);
          break;
        case MT_FIELD_CHOICE:
        case MT_FIELD_REF:
          adw_combo_row_set_selected (ADW_COMBO_ROW (f->widget), 0);
          for (guint o = 0; o < f->options->len; o++)
            if (g_strcmp0 (((MtOption *) f->options->pdata[o])->id, value) == 0)
              adw_combo_row_set_selected (ADW_COMBO_ROW (f->widget), o + 1);
          break;
        case MT_FIELD_REGION:
          fill_region_level (self, f, 0, NULL);
          select_region (self, f, value);
          break;
        case MT_FIELD_PASSWORD:
          gtk_editable_set_text (GTK_EDITABLE (f->widget), value);
          gtk_editable_set_text (GTK_EDITABLE (f->confirm), value);
          break;
        case MT_FIELD_CAPS:
          for (guint c = 0; c < f->checks->len; c++)
            gtk_check_button_set_active (f->checks->pdata[c],
                                         (g_ascii_strtoull (value, NULL, 10) &
                                          g_ascii_strtoull (g_object_get_data (f->checks->pdata[c], "value"), NULL, 10)) != 0);
          break;
        case MT_FIELD_PERMISSIONS:
          mt_permission_tree_set_permissions (MT_PERMISSION_TREE (f->widget), value);
          break;
        case MT_FIELD_HOURS:
          {
            g_auto(GStrv) ends = g_strsplit (value, "-", 2);

            if (ends[0] && ends[1])
              {
                select_time (f->levels[0], g_strstrip (ends[0]));
                select_time (f->levels[1], g_strstrip (ends[1]));
              }
          }
          break;
        case MT_FIELD_GEOMETRY:
          mt_fence_editor_set_geojson (MT_FENCE_EDITOR (f->widget), value);
          break;
        case MT_FIELD_MULTILINE:
          gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (f->widget)), value, -1);
          break;
        default:
          gtk_editable_set_text (GTK_EDITABLE (f->widget), value);
          break;
        }
    }
}

MtFormDialog *
mt_form_dialog_new (GtkWindow      *parent,
                    MtContext      *context,
                    const MtEntity *entity,
                    gint64          id)
{
  MtFormDialog *self = g_object_new (MT_TYPE_FORM_DIALOG, "transient-for", parent, NULL);
  g_autoptr(GHashTable) values = NULL;
  GtkWidget *group = self->group;
  g_autofree char *title = NULL;
  guint n_fields;
  const MtFieldSpec *specs = mt_entity_get_fields (entity, &n_fields);

  MtDb *db = mt_context_get_db (context);
  const MtActor *actor = mt_context_get_actor (context);

  self->context = g_object_ref (context);
  self->db = db;
  self->actor = actor;
  self->entity = entity;
  self->id = id;
  for (guint i = 0; i < n_fields; i++)
    if (specs[i].kind == MT_FIELD_GEOMETRY)
      gtk_window_set_default_size (GTK_WINDOW (self), 980, 860);   /* room for the map */

  if (id != 0)
    {
      g_autoptr(GError) error = NULL;
      values = mt_entity_load (db, actor, entity, id, &error);
      if (values == NULL)
        g_warning ("Cannot load %s %" G_GINT64_FORMAT ": %s", mt_entity_get_title (entity), id,
                   error->message);
      else
        {
          self->version = g_ascii_strtoll (g_hash_table_lookup (values, "version"), NULL, 10);
          values_fen_to_yuan (entity, values);
        }
    }

  /* TRANSLATORS: window title, e.g. "New Store" */
  title = id ? g_strdup_printf (_("Edit %s"), mt_entity_get_title (entity))
             : g_strdup_printf (_("New %s"), mt_entity_get_title (entity));
  gtk_window_set_title (GTK_WINDOW (self), title);

  for (guint i = 0; i < n_fields; i++)
    {
      Field f = { 0 };
      Field *stored;

      f.spec = &specs[i];
      g_array_append_val (self->fields, f);
      stored = &g_array_index (self->fields, Field, self->fields->len - 1);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), build_field (self, stored, values));
      mark_required (self, stored);
      if (stored->confirm)
        adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), stored->confirm);
      if (specs[i].kind == MT_FIELD_COORD && g_str_equal (specs[i].key, "lng") && find_field (self, "lat"))
        adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), picker_row_new (self));
    }
  return self;
}
