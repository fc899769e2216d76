// Bench: hand NCHW16c kernels vs oneDNN (nChw16c), EfficientNet-Lite0 conv layers, 1 thread.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <omp.h>
#include <dnnl.h>
#include "kern.h"

#define CK(x) do { dnnl_status_t s_ = (x); if (s_ != dnnl_success) { fprintf(stderr, "dnnl err %d at %s:%d\n", s_, __FILE__, __LINE__); exit(1); } } while (0)
#define NL 64
#define WARM 10
#define REPS 50

typedef struct {
    int ic, oc, k, s, pt, pl, pb, pr, g, ih, iw, oh, ow, post; // post 0 none 1 relu6 2 add
    int icp, ocp, NB, NP;
    float *w, *b;           // original OIHW / bias
    float *wp, *bp;         // packed (mine)
    float *in, *out;        // mine buffers (NCHW16c) ; out==res for add
    float *din, *dout;      // dnnl buffers
    dnnl_primitive_t prim;
    dnnl_memory_t msrc, mw, mb, mdst;
    const char *impl;
} L;
static L ly[NL];
static int nl;
static dnnl_engine_t eng;
static dnnl_stream_t strm;

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec * 1e-3; }
static float *amalloc(size_t n) { float *p = aligned_alloc(64, ((n * 4 + 63) / 64) * 64); memset(p, 0, n * 4); return p; }
static float frand(void) { return (float)rand() / RAND_MAX * 2.f - 1.f; }
static int up16(int c) { return (c + 15) / 16 * 16; }
static int cmpd(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return x < y ? -1 : x > y; }
static double med(double *v, int n) { qsort(v, n, sizeof(double), cmpd); return v[n / 2]; }

// NCHW <-> NCHW16c
static void to16(const float *a, float *b, int C, int HW) {
    memset(b, 0, sizeof(float) * up16(C) * HW);
    for (int c = 0; c < C; c++) for (int i = 0; i < HW; i++) b[((long)(c / 16) * HW + i) * 16 + c % 16] = a[(long)c * HW + i];
}
static void from16(const float *b, float *a, int C, int HW) {
    for (int c = 0; c < C; c++) for (int i = 0; i < HW; i++) a[(long)c * HW + i] = b[((long)(c / 16) * HW + i) * 16 + c % 16];
}

// naive reference, NCHW
static void ref_conv(L *l, const float *in, float *out, const float *res) {
    int icg = l->ic / l->g, ocg = l->oc / l->g;
    for (int o = 0; o < l->oc; o++) {
        int gi = o / ocg;
        for (int y = 0; y < l->oh; y++) for (int x = 0; x < l->ow; x++) {
            float a = l->b[o];
            for (int c = 0; c < icg; c++) for (int ky = 0; ky < l->k; ky++) for (int kx = 0; kx < l->k; kx++) {
                int iy = y * l->s - l->pt + ky, ix = x * l->s - l->pl + kx;
                if (iy < 0 || iy >= l->ih || ix < 0 || ix >= l->iw) continue;
                a += in[((long)(gi * icg + c) * l->ih + iy) * l->iw + ix] * l->w[((o * icg + c) * l->k + ky) * l->k + kx];
            }
            if (l->post == 2) a += res[((long)o * l->oh + y) * l->ow + x];
            if (l->post == 1) a = fminf(fmaxf(a, 0.f), 6.f);
            out[((long)o * l->oh + y) * l->ow + x] = a;
        }
    }
}

static void pack(L *l) {
    l->icp = l->g == 1 && l->k == 3 && l->ic == 3 ? 3 : up16(l->ic);
    l->ocp = up16(l->oc);
    l->bp = amalloc(l->ocp); memcpy(l->bp, l->b, 4 * l->oc);
    if (l->g > 1) { // dw: [Cb][K*K][16]
        l->wp = amalloc(l->ocp * l->k * l->k);
        for (int c = 0; c < l->oc; c++) for (int t = 0; t < l->k * l->k; t++)
            l->wp[((c / 16) * l->k * l->k + t) * 16 + c % 16] = l->w[c * l->k * l->k + t];
    } else if (l->k == 1) { // [OCb][ICp][16]
        l->wp = amalloc((long)l->ocp * l->icp);
        for (int o = 0; o < l->oc; o++) for (int c = 0; c < l->ic; c++)
            l->wp[((long)(o / 16) * l->icp + c) * 16 + o % 16] = l->w[o * l->ic + c];
    } else { // stem [IC*9][OCp]
        l->wp = amalloc(l->ocp * l->ic * 9);
        for (int o = 0; o < l->oc; o++) for (int t = 0; t < l->ic * 9; t++) l->wp[t * l->ocp + o] = l->w[o * l->ic * 9 + t];
    }
}

static void mine(L *l) {
    if (l->g > 1) dw_conv(l->k, l->s, l->in, l->icp, l->ih, l->iw, l->pt, l->pl, l->wp, l->bp, l->out, l->oh, l->ow);
    else if (l->k == 1) pw_conv(l->in, (long)l->ih * l->iw * 16, l->icp, l->ocp, l->ih * l->iw, l->wp, l->bp, l->out,
                                (long)l->oh * l->ow * 16, l->post == 2 ? l->out : 0, l->post == 1, l->NB, l->NP);
    else stem_conv(l->in, l->ic, l->ih, l->iw, l->pt, l->pl, l->wp, l->bp, l->out, l->ocp, l->oh, l->ow);
}

static void dnnl_setup(L *l) {
    dnnl_memory_desc_t smd, dmd, wmd, bmd, wumd;
    dnnl_dims_t sd = {1, l->ic, l->ih, l->iw}, dd = {1, l->oc, l->oh, l->ow}, bd = {l->oc};
    int stem = l->k == 3 && l->g == 1;
    CK(dnnl_memory_desc_init_by_tag(&smd, 4, sd, dnnl_f32, stem ? dnnl_nchw : dnnl_nChw16c));
    CK(dnnl_memory_desc_init_by_tag(&dmd, 4, dd, dnnl_f32, dnnl_nChw16c));
    CK(dnnl_memory_desc_init_by_tag(&bmd, 1, bd, dnnl_f32, dnnl_x));
    if (l->g > 1) {
        dnnl_dims_t wd = {l->g, 1, 1, l->k, l->k};
        CK(dnnl_memory_desc_init_by_tag(&wmd, 5, wd, dnnl_f32, dnnl_format_tag_any));
        CK(dnnl_memory_desc_init_by_tag(&wumd, 5, wd, dnnl_f32, dnnl_goihw));
    } else {
        dnnl_dims_t wd = {l->oc, l->ic, l->k, l->k};
        CK(dnnl_memory_desc_init_by_tag(&wmd, 4, wd, dnnl_f32, dnnl_format_tag_any));
        CK(dnnl_memory_desc_init_by_tag(&wumd, 4, wd, dnnl_f32, dnnl_oihw));
    }
    dnnl_dims_t st = {l->s, l->s}, pl = {l->pt, l->pl}, pr = {l->pb, l->pr};
    dnnl_convolution_desc_t cd;
    CK(dnnl_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct, &smd, &wmd, &bmd, &dmd, st, pl, pr));
    dnnl_primitive_attr_t attr; dnnl_post_ops_t po;
    CK(dnnl_primitive_attr_create(&attr)); CK(dnnl_post_ops_create(&po));
    if (l->post == 2) CK(dnnl_post_ops_append_sum(po, 1.f));
    if (l->post == 1) CK(dnnl_post_ops_append_eltwise(po, 1.f, dnnl_eltwise_clip, 0.f, 6.f));
    CK(dnnl_primitive_attr_set_post_ops(attr, po));
    dnnl_primitive_desc_t pd;
    CK(dnnl_primitive_desc_create(&pd, &cd, attr, eng, NULL));
    CK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &l->impl));
    const dnnl_memory_desc_t *wq = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    const dnnl_memory_desc_t *dq = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    if (!dnnl_memory_desc_equal(dq, &dmd)) { fprintf(stderr, "dst md not nChw16c\n"); exit(1); }
    CK(dnnl_memory_create(&l->msrc, &smd, eng, l->din));
    CK(dnnl_memory_create(&l->mdst, &dmd, eng, l->dout));
    CK(dnnl_memory_create(&l->mb, &bmd, eng, l->b));
    dnnl_memory_t mwu; CK(dnnl_memory_create(&mwu, &wumd, eng, l->w));
    CK(dnnl_memory_create(&l->mw, wq, eng, DNNL_MEMORY_ALLOCATE));
    dnnl_primitive_desc_t rpd; dnnl_primitive_t rp;
    CK(dnnl_reorder_primitive_desc_create(&rpd, &wumd, eng, wq, eng, NULL));
    CK(dnnl_primitive_create(&rp, rpd));
    dnnl_exec_arg_t ra[2] = {{DNNL_ARG_FROM, mwu}, {DNNL_ARG_TO, l->mw}};
    CK(dnnl_primitive_execute(rp, strm, 2, ra)); CK(dnnl_stream_wait(strm));
    CK(dnnl_primitive_create(&l->prim, pd));
}
static void dnn(L *l) {
    dnnl_exec_arg_t a[4] = {{DNNL_ARG_SRC, l->msrc}, {DNNL_ARG_WEIGHTS, l->mw}, {DNNL_ARG_BIAS, l->mb}, {DNNL_ARG_DST, l->mdst}};
    CK(dnnl_primitive_execute(l->prim, strm, 4, a));
    CK(dnnl_stream_wait(strm));
}

static size_t asz(L *l, int out) { return out ? (size_t)l->ocp * l->oh * l->ow : (size_t)up16(l->ic) * l->ih * l->iw; }

// time fn(l) vs dnn(l), interleaved
static double tl[NL][2];
static void time_alone(L *l, double *tm, double *td) {
    double a[REPS], b[REPS];
    for (int r = 0; r < WARM + REPS; r++) {
        double t0 = now(); mine(l); double t1 = now(); dnn(l); double t2 = now();
        if (r >= WARM) { a[r - WARM] = t1 - t0; b[r - WARM] = t2 - t1; }
    }
    *tm = med(a, REPS); *td = med(b, REPS);
}

static double gfl(L *l) { return 2.0 * l->oc * (l->ic / l->g) * l->k * l->k * l->oh * l->ow * 1e-9; }

static double peak(void) {
    __m512 a[16]; __m512 x = _mm512_set1_ps(1.0000001f), y = _mm512_set1_ps(1e-7f);
    for (int j = 0; j < 16; j++) a[j] = _mm512_set1_ps((float)j);
    long n = 20000000; __asm__ volatile("" : "+v"(x), "+v"(y)); double t0 = now();
    for (long i = 0; i < n; i++) {
#pragma GCC unroll 16
        for (int j = 0; j < 16; j++) a[j] = _mm512_fmadd_ps(a[j], x, y);
    }
    double t = now() - t0; float s = 0; for (int j = 0; j < 16; j++) s += _mm512_reduce_add_ps(a[j]);
    if (s == 12345) printf("x");
    return n * 16.0 * 32 / t * 1e-3; // GFLOP/s
}
int main(int argc, char **argv) {
    printf("measured FMA peak (16 indep zmm chains): %.1f GFLOP/s\n", peak());
    omp_set_num_threads(1);
    if (getenv("DW_PAD")) dw_use_pad = atoi(getenv("DW_PAD")); // 0 never, 1 always (default), 2 stride-1 only
    CK(dnnl_engine_create(&eng, dnnl_cpu, 0));
    CK(dnnl_stream_create(&strm, eng, dnnl_stream_default_flags));
    FILE *f = fopen(argc > 1 ? argv[1] : "layers.txt", "r");
    char post[16];
    while (nl < NL && fscanf(f, "%d %d %d %d %d %d %d %d %d %d %d %d %d %15s", &ly[nl].ic, &ly[nl].oc, &ly[nl].k, &ly[nl].s,
                             &ly[nl].pt, &ly[nl].pl, &ly[nl].pb, &ly[nl].pr, &ly[nl].g, &ly[nl].ih, &ly[nl].iw, &ly[nl].oh, &ly[nl].ow, post) == 14) {
        ly[nl].post = !strcmp(post, "relu6") ? 1 : !strcmp(post, "add") ? 2 : 0;
        nl++;
    }
    srand(1);
    // weights + buffers; chain wiring: layer i input = layer i-1 output; add layer output = input buffer of layer i-2
    for (int i = 0; i < nl; i++) {
        L *l = &ly[i];
        int nw = l->oc * (l->ic / l->g) * l->k * l->k;
        l->w = amalloc(nw); l->b = amalloc(l->oc);
        float sc = 1.f / sqrtf((float)(l->ic / l->g) * l->k * l->k);
        for (int j = 0; j < nw; j++) l->w[j] = frand() * sc * 2.f;
        for (int j = 0; j < l->oc; j++) l->b[j] = frand() * 0.1f;
        pack(l);
        l->NB = 4; l->NP = 6;
        if (i == 0) { l->in = amalloc(asz(l, 0)); l->din = l->in; } // shared NCHW input
        else { l->in = ly[i - 1].out; l->din = ly[i - 1].dout; }
        if (l->post == 2) { l->out = ly[i - 2].in; l->dout = ly[i - 2].din; }
        else { l->out = amalloc(asz(l, 1)); l->dout = amalloc(asz(l, 1)); }
    }
    for (size_t j = 0; j < (size_t)3 * 224 * 224; j++) ly[0].in[j] = frand();
    for (int i = 0; i < nl; i++) dnnl_setup(&ly[i]);

    // ---------- correctness: each layer alone on random input (relu6-range) ----------
    double worst = 0;
    for (int i = 0; i < nl; i++) {
        L *l = &ly[i];
        size_t ni = (size_t)l->ic * l->ih * l->iw, no = (size_t)l->oc * l->oh * l->ow;
        float *xi = amalloc(ni), *xr = amalloc(no), *yr = amalloc(no), *ym = amalloc(no), *yd = amalloc(no);
        for (size_t j = 0; j < ni; j++) xi[j] = (frand() + 1.f) * 3.f;
        for (size_t j = 0; j < no; j++) xr[j] = frand();
        if (i == 0) memcpy(l->in, xi, ni * 4); else { to16(xi, l->in, l->ic, l->ih * l->iw); to16(xi, l->din, l->ic, l->ih * l->iw); }
        if (l->post == 2) { to16(xr, l->out, l->oc, l->oh * l->ow); to16(xr, l->dout, l->oc, l->oh * l->ow); }
        ref_conv(l, xi, yr, xr);
        mine(l); dnn(l);
        from16(l->out, ym, l->oc, l->oh * l->ow); from16(l->dout, yd, l->oc, l->oh * l->ow);
        double em = 0, ed = 0, mx = 0;
        for (size_t j = 0; j < no; j++) { em = fmax(em, fabs(ym[j] - yr[j])); ed = fmax(ed, fabs(yd[j] - yr[j])); mx = fmax(mx, fabs(yr[j])); }
        printf("check L%02d %4d->%4d k%d s%d g%4d %3dx%-3d %s: max|ref| %.3f  mine err %.2e  dnnl err %.2e  | %s\n", i, l->ic, l->oc, l->k, l->s, l->g,
               l->ih, l->iw, l->post == 2 ? "add  " : l->post ? "relu6" : "none ", mx, em, ed, l->impl);
        if (em > worst) worst = em;
        free(xi); free(xr); free(yr); free(ym); free(yd);
    }
    printf("worst abs err mine vs ref: %.3e\n", worst);

    // ---------- 1x1 tile autotune (quick, per layer) ----------
    static const int cfg[][2] = {{4, 6}, {3, 8}, {3, 9}, {2, 12}, {2, 14}, {1, 14}};
    for (int i = 0; i < nl; i++) {
        L *l = &ly[i];
        if (!(l->k == 1 && l->g == 1)) continue;
        double best = 1e30; int bc = 0;
        for (int c = 0; c < 6; c++) {
            l->NB = cfg[c][0]; l->NP = cfg[c][1];
            double v[15];
            for (int r = 0; r < 3; r++) mine(l);
            for (int r = 0; r < 15; r++) { double t0 = now(); mine(l); v[r] = now() - t0; }
            double m = med(v, 15); if (m < best) { best = m; bc = c; }
        }
        l->NB = cfg[bc][0]; l->NP = cfg[bc][1];
    }

    // ---------- each layer alone (interleaved) ----------
    printf("\n== each layer alone (median of %d, us) ==\n", REPS);
    for (int i = 0; i < nl; i++) time_alone(&ly[i], &tl[i][0], &tl[i][1]);

    // ---------- chain (interleaved: mine chain, dnnl chain) ----------
    double cm[REPS], cd[REPS], lm[NL][REPS], ld[NL][REPS];
    for (int r = 0; r < WARM + REPS; r++) {
        double t0 = now(), ta = t0;
        for (int i = 0; i < nl; i++) { mine(&ly[i]); double t = now(); if (r >= WARM) lm[i][r - WARM] = t - ta; ta = t; }
        double t1 = now(); ta = t1;
        for (int i = 0; i < nl; i++) { dnn(&ly[i]); double t = now(); if (r >= WARM) ld[i][r - WARM] = t - ta; ta = t; }
        double t2 = now();
        if (r >= WARM) { cm[r - WARM] = t1 - t0; cd[r - WARM] = t2 - t1; }
    }
    // chain output check mine vs dnnl (last layer)
    {
        L *l = &ly[nl - 1]; size_t no = asz(l, 1); double e = 0, mx = 0;
        for (size_t j = 0; j < no; j++) { e = fmax(e, fabs(l->out[j] - l->dout[j])); mx = fmax(mx, fabs(l->dout[j])); }
        printf("chain final output: max|dnnl| %.3f, max|mine-dnnl| %.3e\n", mx, e);
    }
    printf("%-3s %-34s %6s | %9s %9s %6s | %9s %9s %6s | %s\n", "L", "layer", "MFLOP", "alone:me", "dnnl", "ratio", "chain:me", "dnnl", "ratio", "mine GF/s (chain), tile");
    const char *tn[] = {"stem3x3s2", "pw-expand", "pw-project", "pw-head", "dw3x3s1", "dw3x3s2", "dw5x5s1", "dw5x5s2"};
    double gm[8][4] = {{0}};
    for (int i = 0; i < nl; i++) {
        L *l = &ly[i];
        double a = med(lm[i], REPS), b = med(ld[i], REPS);
        int t = l->g > 1 ? (l->k == 3 ? (l->s == 1 ? 4 : 5) : (l->s == 1 ? 6 : 7)) : l->k == 3 ? 0 : (i == nl - 1 ? 3 : (l->post == 1 ? 1 : 2));
        gm[t][0] += tl[i][0]; gm[t][1] += tl[i][1]; gm[t][2] += a; gm[t][3] += b;
        char nm[64]; snprintf(nm, 64, "%s %d->%d %dx%d %s", tn[t], l->ic, l->oc, l->ih, l->iw, l->post == 2 ? "+add" : "");
        printf("%-3d %-34s %6.1f | %9.1f %9.1f %6.2f | %9.1f %9.1f %6.2f | %6.1f", i, nm, gfl(l) * 1e3, tl[i][0], tl[i][1], tl[i][1] / tl[i][0], a, b, b / a, gfl(l) / a * 1e6);
        if (l->k == 1) printf("  %dx%d", l->NB, l->NP);
        printf("\n");
    }
    printf("\n== grouped (sum of per-layer medians, us) ==\n%-11s | %9s %9s %6s | %9s %9s %6s\n", "type", "alone:me", "dnnl", "dnnl/me", "chain:me", "dnnl", "dnnl/me");
    double s[4] = {0};
    for (int t = 0; t < 8; t++) {
        printf("%-11s | %9.1f %9.1f %6.2f | %9.1f %9.1f %6.2f\n", tn[t], gm[t][0], gm[t][1], gm[t][1] / gm[t][0], gm[t][2], gm[t][3], gm[t][3] / gm[t][2]);
        for (int j = 0; j < 4; j++) s[j] += gm[t][j];
    }
    printf("%-11s | %9.1f %9.1f %6.2f | %9.1f %9.1f %6.2f\n", "sum", s[0], s[1], s[1] / s[0], s[2], s[3], s[3] / s[2]);
    double mc = med(cm, REPS), dc = med(cd, REPS);
    printf("chain total (median of whole-chain times): mine %.1f us, dnnl %.1f us, dnnl/mine %.3f\n", mc, dc, dc / mc);

    // ---------- fused dw -> pw project vs separate ----------
    printf("\n== fused dw->project (mine) vs mine dw+pw vs dnnl dw+pw, each pair alone, median us ==\n");
    double fs[3] = {0};
    for (int i = 1; i + 1 < nl; i++) {
        L *d = &ly[i], *p = &ly[i + 1];
        if (!(d->g > 1 && p->k == 1 && p->g == 1)) continue;
        // choose strip rows R: buffer ~ 48KB .. try a few, keep best
        int Rc[4]; long rowbytes = (long)d->ocp * d->ow * 4;
        int cands[4] = {1, 2, 4, 8};
        for (int j = 0; j < 4; j++) Rc[j] = cands[j];
        float *buf = amalloc((size_t)d->ocp * d->ow * 8);
        float *fo = p->post == 2 ? p->out : amalloc(asz(p, 1));
        const float *res = p->post == 2 ? p->out : 0;
        int bestR = 1; double bt = 1e30;
        for (int j = 0; j < 4; j++) {
            if (Rc[j] > d->oh) continue;
            double v[15];
            for (int r = 0; r < 15; r++) {
                double t0 = now();
                dwpw_fused(d->k, d->s, d->in, d->icp, d->ih, d->iw, d->pt, d->pl, d->wp, d->bp, d->oh, d->ow, p->wp, p->bp, p->ocp, fo, res, p->post == 1, Rc[j], buf, p->NB, p->NP);
                v[r] = now() - t0;
            }
            double m = med(v, 15); if (m < bt) { bt = m; bestR = Rc[j]; }
        }
        // correctness of fused vs separate (non-add only; add accumulates)
        double e = 0;
        {
            size_t no = asz(p, 1);
            float *snap = amalloc(no), *fo2 = amalloc(no);
            memcpy(snap, p->out, no * 4);
            dwpw_fused(d->k, d->s, d->in, d->icp, d->ih, d->iw, d->pt, d->pl, d->wp, d->bp, d->oh, d->ow, p->wp, p->bp, p->ocp, fo2, p->post == 2 ? snap : 0, p->post == 1, bestR, buf, p->NB, p->NP);
            mine(d); mine(p);
            for (size_t j = 0; j < no; j++) e = fmax(e, fabs(fo2[j] - p->out[j]));
            free(snap); free(fo2);
        }
        double a[REPS], b[REPS], c[REPS];
        for (int r = 0; r < WARM + REPS; r++) {
            double t0 = now();
            dwpw_fused(d->k, d->s, d->in, d->icp, d->ih, d->iw, d->pt, d->pl, d->wp, d->bp, d->oh, d->ow, p->wp, p->bp, p->ocp, fo, res, p->post == 1, bestR, buf, p->NB, p->NP);
            double t1 = now(); mine(d); mine(p); double t2 = now(); dnn(d); dnn(p); double t3 = now();
            if (r >= WARM) { a[r - WARM] = t1 - t0; b[r - WARM] = t2 - t1; c[r - WARM] = t3 - t2; }
        }
        double ma = med(a, REPS), mb = med(b, REPS), mcc = med(c, REPS);
        fs[0] += ma; fs[1] += mb; fs[2] += mcc;
        printf("L%02d+%02d dw%d s%d C%4d %3dx%-3d ->%4d R=%d (buf %ld KB): fused %8.1f  mine-sep %8.1f  dnnl-sep %8.1f  dnnl/fused %.2f  %s\n",
               i, i + 1, d->k, d->s, d->ic, d->oh, d->ow, p->oc, bestR, rowbytes * bestR / 1024, ma, mb, mcc, mcc / ma,
               e < 1e-4 ? "fused==sep" : "MISMATCH");
        free(buf); if (p->post != 2) free(fo);
    }
    printf("fused sum: fused %.1f  mine-sep %.1f  dnnl-sep %.1f  dnnl/fused %.3f\n", fs[0], fs[1], fs[2], fs[2] / fs[0]);
    return 0;
}
