/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-backend.h"
#include "mt-sync-engine.h"

G_BEGIN_DECLS

#define MT_TYPE_REMOTE_BACKEND (mt_remote_backend_get_type ())
G_DECLARE_FINAL_TYPE (MtRemoteBackend, mt_remote_backend, MT, REMOTE_BACKEND, GObject)

/*
 * The backend of a connected console: each request goes to the server at the address and with
 * the body the operation table gives it; a write's answer arrives once the replica holds it.
 * Errors are the server's (MT_ERROR with its field), MT_ERROR_OFFLINE when it cannot be reached.
 */
MtRemoteBackend *mt_remote_backend_new        (MtSyncEngine    *engine);
MtSyncEngine    *mt_remote_backend_get_engine (MtRemoteBackend *self);

G_END_DECLS
