/*
 * verify.c: OpenPGP signature verification of commits and tags with gpgme
 * (spec.verify, reference 1.5).
 *
 * Each verification runs in a throw-away GnuPG home created under the
 * storage's scratch directory, into which only the keys from the
 * verify.secretRef Secret are imported; a signature is accepted when gpgme
 * reports it good (GPG_ERR_NO_ERROR) and made by one of those keys. Trust
 * levels are deliberately not consulted: the Secret is the trust root, as in
 * Flux. Nothing is kept between runs, so a key removed from the Secret stops
 * verifying at the next reconcile.
 */
#include "sc.h"
#include "fc/err.h"
#include <gpgme.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void init_gpgme(void)
{
    gpgme_check_version(NULL);
    gpgme_set_locale(NULL, LC_CTYPE, setlocale(LC_CTYPE, NULL));
}

int sc_pgp_verify(const char *data, const char *sig, const char *const *keyrings, const char *tmp_root, char **key_id)
{
    *key_id = NULL;
    pthread_once(&once, init_gpgme);
    gpgme_ctx_t ctx = NULL;
    gpgme_data_t dsig = NULL, dtext = NULL, dkey = NULL;
    char *home = NULL;
    int rc = 0, imported = 0;
    if (asprintf(&home, "%s/.tmp/gnupg-XXXXXX", tmp_root) < 0 || !mkdtemp(home)) {
        free(home);
        return fc_err_set(FC_EIO, "cannot create a GnuPG home for verification");
    }
    if (gpgme_new(&ctx) || gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, NULL, home)) {
        rc = fc_err_set(FC_ERR, "cannot start gpgme");
        goto out;
    }
    gpgme_set_armor(ctx, 1);
    for (const char *const *k = keyrings; k && *k; k++) {
        if (gpgme_data_new_from_mem(&dkey, *k, strlen(*k), 0)) continue;
        if (gpgme_op_import(ctx, dkey) == 0) {
            gpgme_import_result_t ir = gpgme_op_import_result(ctx);
            if (ir) imported += ir->imported + ir->unchanged;
        }
        gpgme_data_release(dkey);
        dkey = NULL;
    }
    if (!imported) {
        rc = fc_err_set(FC_EINVAL, "no valid PGP public key found in the verification secret");
        goto out;
    }
    if (gpgme_data_new_from_mem(&dsig, sig, strlen(sig), 0) || gpgme_data_new_from_mem(&dtext, data, strlen(data), 0)) {
        rc = fc_err_set(FC_ENOMEM, "out of memory");
        goto out;
    }
    gpgme_error_t e = gpgme_op_verify(ctx, dsig, dtext, NULL);
    if (e) {
        rc = fc_err_set(FC_EINVAL, "unable to verify the signature: %s", gpgme_strerror(e));
        goto out;
    }
    gpgme_verify_result_t vr = gpgme_op_verify_result(ctx);
    gpgme_signature_t s = vr ? vr->signatures : NULL;
    if (!s) {
        rc = fc_err_set(FC_EINVAL, "no signature found");
        goto out;
    }
    if (gpg_err_code(s->status) != GPG_ERR_NO_ERROR) {
        const char *fpr = s->fpr ? s->fpr : "?";
        size_t fl = strlen(fpr);
        rc = fc_err_set(FC_EINVAL, "%s (key %s)",
                        gpg_err_code(s->status) == GPG_ERR_NO_PUBKEY ? "unable to verify payload with any of the given key rings"
                                                                   : gpgme_strerror(s->status),
                        fl > 16 ? fpr + fl - 16 : fpr);
        goto out;
    }
    const char *fpr = s->fpr ? s->fpr : "";
    size_t fl = strlen(fpr);
    *key_id = strdup(fl > 16 ? fpr + fl - 16 : fpr);
out:
    gpgme_data_release(dsig);
    gpgme_data_release(dtext);
    if (ctx) gpgme_release(ctx);
    if (home) {
        sc_rmtree(home);
        free(home);
    }
    return rc;
}
