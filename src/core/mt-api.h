/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "mt-entity.h"
#include "mt-perm.h"

G_BEGIN_DECLS

/*
 * The operation table: every operation of the API — its name, method and address, the members
 * of its request and their types, and the core function that answers it. The server's router,
 * the console's local backend (which runs the answer on a worker thread) and its remote backend
 * (which sends the request to the server) are all driven by it, so an operation's address and
 * members are written once. docs/api.md is the prose of the same table.
 */

typedef enum
{
  MT_API_INT,      /* a whole number */
  MT_API_TEXT,     /* a string */
  MT_API_BOOL,     /* true or false */
  MT_API_IDS,      /* a list of row numbers */
  MT_API_OBJECT,   /* an object, checked by the answer */
} MtApiType;

typedef struct
{
  const char *name;
  MtApiType   type;
  gboolean    required;
} MtApiMember;

typedef enum
{
  MT_API_OPEN   = 1 << 0,   /* answered without a session */
  MT_API_BODY   = 1 << 1,   /* needs a JSON object (400 without) */
  MT_API_FIELDS = 1 << 2,   /* the body is an entity's fields, checked by its field table */
  MT_API_WRITES = 1 << 3,   /* changes rows: the consoles are told */
} MtApiFlags;

typedef struct _MtApiCall      MtApiCall;
typedef struct _MtApiOperation MtApiOperation;

struct _MtApiOperation
{
  const char        *name;      /* "orders.renew": in logs, in docs/api.md, for the backends */
  const char        *method;
  const char        *pattern;   /* segments after /api/v1/: a word, "#" a row id, "*" a name,
                                 * "E" an entity, "a|b" one of these words (the call's word) */
  MtApiFlags         flags;
  const MtApiMember *members;   /* the request's members, ended by { NULL }; NULL: none */
  gboolean         (*run) (MtApiCall *call,
                           GError   **error);   /* NULL: answered by the server itself */
};

/* One request being answered: its address and members, and what the answer did */
struct _MtApiCall
{
  MtDb                 *db;
  const MtActor        *actor;
  const MtApiOperation *op;
  gint64                id;        /* "#" */
  const char           *name;      /* "*" */
  const char           *word;      /* "a|b" */
  const MtEntity       *entity;    /* "E" */
  JsonObject           *body;      /* NULL without */
  GHashTable           *query;     /* text → text, or NULL */

  /* the answer */
  guint                 status;
  JsonNode             *response;  /* NULL: none (204) */
  GString              *response_text;   /* or the answer written as JSON text already (a long
                                         * list): then response is NULL */
  GArray               *devices;   /* gint64: devices whose rental or power intent changed */
  gboolean              fences_changed;
};

/* A battery's live state as telemetry.status answers it: these members, in the order of their
 * device_status columns (after device_id) */
#define MT_N_STATUS_MEMBERS 8
extern const char *const mt_status_members[MT_N_STATUS_MEMBERS];

/* Every operation, in routing order */
const MtApiOperation *mt_api_operations   (guint                 *n_operations);
const MtApiOperation *mt_api_lookup       (const char            *name);

/*
 * The operation at an address: fills the call's address captures. NULL when none takes
 * @method there; @allowed then receives the methods that do ("GET, PUT"), empty for none.
 */
const MtApiOperation *mt_api_route        (const char            *method,
                                           const char *const     *segments,
                                           MtApiCall             *call,
                                           GString               *allowed);

/* The request's members against the operation's: MT_ERROR_MALFORMED or MT_ERROR_INVALID naming
 * the member */
gboolean              mt_api_check_body   (const MtApiOperation  *op,
                                           JsonObject            *body,
                                           GError               **error);

/* Runs a core operation (op->run) on a checked call; the answer is left in the call */
gboolean              mt_api_call_run     (MtApiCall             *call,
                                           GError               **error);
void                  mt_api_call_clear   (MtApiCall             *call);

/* The HTTP status and error code of a core error (422 "invalid", …) */
guint                 mt_api_error_status (const GError          *error,
                                           const char           **code);

/* ------------------------------------------------------------------ requests, as a client */

/*
 * A request to send through a backend: the operation by name, its address captures and members.
 * A member the operation does not take is a programming error (g_critical), so a renamed member
 * fails at once in the tests and never silently on the wire.
 */
typedef struct _MtApiRequest MtApiRequest;

MtApiRequest         *mt_api_request_new        (const char   *operation);
MtApiRequest         *mt_api_request_ref        (MtApiRequest *request);
void                  mt_api_request_unref      (MtApiRequest *request);
const MtApiOperation *mt_api_request_get_operation (MtApiRequest *request);
void                  mt_api_request_set_id     (MtApiRequest *request,
                                                 gint64        id);
void                  mt_api_request_set_word   (MtApiRequest *request,
                                                 const char   *word);
void                  mt_api_request_set_entity (MtApiRequest *request,
                                                 const char   *entity);
void                  mt_api_request_set_name   (MtApiRequest *request,
                                                 const char   *name);
void                  mt_api_request_set_query  (MtApiRequest *request,
                                                 const char   *key,
                                                 const char   *value);
/* Whether the operation takes the row's "version" and it is not set yet */
gboolean              mt_api_request_wants_version (MtApiRequest *request);
void                  mt_api_request_set_int    (MtApiRequest *request,
                                                 const char   *member,
                                                 gint64        value);
void                  mt_api_request_set_text   (MtApiRequest *request,
                                                 const char   *member,
                                                 const char   *value);
void                  mt_api_request_set_bool   (MtApiRequest *request,
                                                 const char   *member,
                                                 gboolean      value);
void                  mt_api_request_set_ids    (MtApiRequest *request,
                                                 const char   *member,
                                                 const gint64 *ids,
                                                 guint         n_ids);
void                  mt_api_request_set_object (MtApiRequest *request,
                                                 const char   *member,
                                                 JsonObject   *object);
/* An entity's fields (text, as forms hold them) as the body of entity.create / entity.update */
void                  mt_api_request_set_fields (MtApiRequest *request,
                                                 GHashTable   *fields);
/* The address after /api/v1/ (with its query), and the body or NULL */
char                 *mt_api_request_to_path    (MtApiRequest *request);
JsonNode             *mt_api_request_get_body   (MtApiRequest *request);
/* The request as a call of the core (address captures and body); the call borrows it */
gboolean              mt_api_request_to_call    (MtApiRequest *request,
                                                 MtApiCall    *call,
                                                 GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtApiRequest, mt_api_request_unref)

G_END_DECLS
