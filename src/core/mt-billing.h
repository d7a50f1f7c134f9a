/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "mt-database.h"

G_BEGIN_DECLS

/* Billing (SPEC §3.4): rent P fen per N days in whole periods, a deposit, up to 3 services.
 * All money is integer fen. */

#define MT_MAX_SERVICES 3

typedef struct
{
  gint64    id;
  char     *name;
  gint64    price_fen;
  gboolean  per_period;   /* charged every period, else once per order */
} MtBillingService;

typedef struct
{
  gint64            id;
  gint64            operator_id;
  char             *region_code;
  gint64            type_id;
  gint64            rent_fen;      /* per period */
  guint             period_days;
  gint64            deposit_fen;
  char             *contract;      /* template with {placeholders} */
  guint             n_services;
  MtBillingService  services[MT_MAX_SERVICES];
} MtBillingRule;

typedef struct
{
  guint   periods;
  gint64  rent_fen;
  gint64  services_fen;
  gint64  deposit_fen;
  gint64  total_fen;     /* what the member pays now */
} MtQuote;

void           mt_billing_rule_free     (MtBillingRule *rule);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtBillingRule, mt_billing_rule_free)

/* Whole days from @start to @end (µs): a started day counts, at least 1 */
gint64         mt_billing_days          (gint64         start,
                                         gint64         end);
/* ceil (days / period_days), at least 1 */
gint64         mt_billing_periods       (gint64         days,
                                         guint          period_days);
/* Rent and services for @periods, plus the deposit when @with_deposit (a new order, not a
 * renewal). @services is a bit set of the rule's services (bit i = services[i]). Refused on
 * "periods" when an amount of the quote would break the money rule (mt-validate.h). */
gboolean       mt_billing_quote         (const MtBillingRule *rule,
                                         guint          periods,
                                         guint          services,
                                         gboolean       with_deposit,
                                         MtQuote       *quote,
                                         GError       **error);
/* The refusal of a quote or renewal whose amounts would pass the money rule, on "periods" */
void           mt_billing_set_too_costly (GError      **error);
/* Overdue rent when returned at @end after @expire: whole periods of the rule, 0 if not late */
gint64         mt_billing_overdue_fen   (gint64         rent_fen,
                                         guint          period_days,
                                         gint64         expire,
                                         gint64         end);

MtBillingRule *mt_billing_rule_load     (MtDb          *db,
                                         gint64         rule_id,
                                         GError       **error);
/* The rule for renting @type_id at @store_id: the most specific region containing the store
 * (district > city > province) among the rules of the store's operator and those above it.
 * None: MT_ERROR_CONFLICT naming the type. */
MtBillingRule *mt_billing_match         (MtDb          *db,
                                         gint64         store_id,
                                         gint64         type_id,
                                         GError       **error);

/* The contract's placeholders, in the order the editor's menu offers them */
const char *const *mt_contract_placeholders (void);
const char    *mt_contract_placeholder_title (const char *placeholder);
/* @template with each {placeholder} replaced from @values (placeholder → text); unknown
 * placeholders stay as they are */
/* The contract's simple markup (# headings, **bold**, - items, | table | rows) as Pango markup,
 * everything else escaped */
char          *mt_contract_to_pango     (const char    *text);
char          *mt_contract_render       (const char    *template_text,
                                         GHashTable    *values);

G_END_DECLS
