/*
 * A QEMU TCG plugin (linux-user, plugin API version 1 as in QEMU 7.2) that counts guest
 * instructions, for bench/board.ts and the engine harness in bench/engines/.
 *
 * Per thread: the engines' Linux ports run a reader thread that wakes on a wall-clock period;
 * only the thread running JavaScript does deterministic work, so counts are kept per guest
 * thread (vCPU) and windows count only the thread that opened them.
 *
 * Windows: a guest thread opens or closes (toggles) its counting window when it
 *   - makes the system call numbered `sys=N` (JerryScript: clock_gettime64, from Date.now()), or
 *   - executes the translation block that starts at `addr=0xHEX` (Espruino: the entry of a
 *     native function the harness calls for nothing else, E.clip; the address comes from
 *     the binary's symbol table).
 * When a window closes the plugin prints `window K N`: the instructions that thread ran while
 * it was open (K counts windows from 0). With `incl=0xHEX` it also prints `incl K N`: the part
 * of N spent inside the function at that address and everything it called (Espruino:
 * jshFlashRead, the Linux port's emulated flash, which opens, seeks, reads and closes a file
 * on every read where a board reads memory-mapped flash). The function is left when a block
 * starts at a return address of one of its direct call sites (found at translation time from
 * the `call rel32` that ends the calling block). With `profile=on` it then prints `sym K NAME N` for
 * the functions (the symbol of each translation block's first instruction) that ran at least
 * 0.2% of the window, a flat profile like callgrind_annotate's.
 * At exit it prints `insns total N` and `insns vcpu I N` for every thread that ran.
 * Output goes to QEMU's log: `-d plugin`, and `-D FILE` to put it in a file.
 *
 * Build: gcc -shared -fPIC -O2 -o insn.so insn.c
 * Run:   qemu-i386 -plugin ./insn.so,sys=403 -d plugin -D log prog ...
 * The declarations below are the part of QEMU's qemu-plugin.h (7.2) this plugin uses,
 * written out because Debian's qemu-user ships no header.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_syscall_cb_t)(qemu_plugin_id_t id, unsigned int vcpu_index, int64_t num,
                                              uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                                              uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8);
extern void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, void (*cb)(qemu_plugin_id_t, struct qemu_plugin_tb *));
extern size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
extern uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
extern struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
extern const char *qemu_plugin_insn_symbol(const struct qemu_plugin_insn *insn);
extern const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
extern size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
extern uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
extern void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
                                                 enum qemu_plugin_cb_flags flags, void *userdata);
extern void qemu_plugin_register_vcpu_syscall_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_syscall_cb_t cb);
extern void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, void (*cb)(qemu_plugin_id_t, void *), void *userdata);
extern void qemu_plugin_outs(const char *string);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* Threads beyond this share the last slot (the engines start two or three). */
#define MAX_VCPUS 64
/* Distinct function names kept for profiles; later ones count as "?". */
#define MAX_SYMS 8192

/* What each translation block carries to its exec callback. */
struct tb_info {
  uint32_t n;      /* instructions in the block */
  uint32_t sym;    /* index into syms[] */
  int toggles;     /* the block starts at the toggle address */
  int enters;      /* the block starts at the inclusive function's entry */
  uint64_t vaddr;  /* where the block starts */
};

static uint64_t total[MAX_VCPUS];
static uint64_t windowCount[MAX_VCPUS];
static int open_[MAX_VCPUS];
static unsigned windows;
static int64_t toggleSys = -1;
static uint64_t toggleAddr = 0;
static int profile = 0;
static const char *syms[MAX_SYMS];
static unsigned nsyms;
static uint64_t symCount[MAX_SYMS];
static uint64_t inclAddr = 0;
static int inside[MAX_VCPUS];
static uint64_t inclCount[MAX_VCPUS];
/* Return addresses of direct calls to the inclusive function (a small open-addressing set). */
#define RET_SLOTS 4096
static uint64_t rets[RET_SLOTS];

static void ret_add(uint64_t a) {
  unsigned h = (unsigned)(a * 2654435761u) % RET_SLOTS;
  for (unsigned i = 0; i < RET_SLOTS; i++) {
    unsigned k = (h + i) % RET_SLOTS;
    if (rets[k] == a) return;
    if (rets[k] == 0) { rets[k] = a; return; }
  }
}

static int ret_has(uint64_t a) {
  unsigned h = (unsigned)(a * 2654435761u) % RET_SLOTS;
  for (unsigned i = 0; i < RET_SLOTS; i++) {
    unsigned k = (h + i) % RET_SLOTS;
    if (rets[k] == a) return 1;
    if (rets[k] == 0) return 0;
  }
  return 0;
}

static unsigned slot(unsigned int vcpu) {
  return vcpu < MAX_VCPUS ? vcpu : MAX_VCPUS - 1;
}

/* Index of a symbol name (linear search: only at translation time, and names are few). */
static uint32_t intern(const char *name) {
  if (name == NULL) name = "?";
  for (unsigned i = 0; i < nsyms; i++) {
    if (strcmp(syms[i], name) == 0) return i;
  }
  if (nsyms == MAX_SYMS) return 0;
  syms[nsyms] = strdup(name);
  return nsyms++;
}

static int by_count_desc(const void *a, const void *b) {
  uint64_t x = symCount[*(const unsigned *)a];
  uint64_t y = symCount[*(const unsigned *)b];
  return x < y ? 1 : x > y ? -1 : 0;
}

/* Open or close the window of one thread. */
static void toggle(unsigned s) {
  if (!open_[s]) {
    open_[s] = 1;
    windowCount[s] = 0;
    inclCount[s] = 0;
    if (profile) memset(symCount, 0, sizeof symCount);
    return;
  }
  open_[s] = 0;
  char line[256];
  unsigned k = windows++;
  snprintf(line, sizeof line, "window %u %" PRIu64 "\n", k, windowCount[s]);
  qemu_plugin_outs(line);
  if (inclAddr != 0) {
    snprintf(line, sizeof line, "incl %u %" PRIu64 "\n", k, inclCount[s]);
    qemu_plugin_outs(line);
  }
  if (!profile || windowCount[s] == 0) return;
  static unsigned order[MAX_SYMS];
  for (unsigned i = 0; i < nsyms; i++) order[i] = i;
  qsort(order, nsyms, sizeof order[0], by_count_desc);
  for (unsigned i = 0; i < nsyms; i++) {
    uint64_t c = symCount[order[i]];
    if (c * 500 < windowCount[s]) break; /* below 0.2% */
    snprintf(line, sizeof line, "sym %u %s %" PRIu64 "\n", k, syms[order[i]], c);
    qemu_plugin_outs(line);
  }
}

/* Every executed translation block adds its instruction count to its thread (and window). */
static void on_exec(unsigned int vcpu, void *udata) {
  const struct tb_info *t = udata;
  unsigned s = slot(vcpu);
  if (t->toggles) toggle(s);
  if (t->enters) inside[s] = 1;
  else if (inside[s] && ret_has(t->vaddr)) inside[s] = 0;
  total[s] += t->n;
  if (open_[s]) {
    windowCount[s] += t->n;
    if (inside[s]) inclCount[s] += t->n;
    if (profile) symCount[t->sym] += t->n;
  }
}

static void on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  (void)id;
  struct tb_info *t = malloc(sizeof *t);
  if (t == NULL) return;
  t->n = (uint32_t)qemu_plugin_tb_n_insns(tb);
  t->vaddr = qemu_plugin_tb_vaddr(tb);
  t->toggles = toggleAddr != 0 && t->vaddr == toggleAddr;
  t->enters = inclAddr != 0 && t->vaddr == inclAddr;
  if (inclAddr != 0 && t->n > 0) {
    /* A block ending in `call rel32` (E8 xx xx xx xx) to the function: remember where it returns. */
    const struct qemu_plugin_insn *last = qemu_plugin_tb_get_insn(tb, t->n - 1);
    const uint8_t *b = qemu_plugin_insn_data(last);
    if (qemu_plugin_insn_size(last) == 5 && b[0] == 0xe8) {
      int32_t rel;
      memcpy(&rel, b + 1, 4);
      uint64_t next = qemu_plugin_insn_vaddr(last) + 5;
      if ((uint32_t)(next + (uint64_t)(int64_t)rel) == (uint32_t)inclAddr) ret_add(next);
    }
  }
  t->sym = profile && t->n > 0 ? intern(qemu_plugin_insn_symbol(qemu_plugin_tb_get_insn(tb, 0))) : 0;
  qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec, QEMU_PLUGIN_CB_NO_REGS, t);
}

static void on_syscall(qemu_plugin_id_t id, unsigned int vcpu, int64_t num, uint64_t a1, uint64_t a2,
                       uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8) {
  (void)id; (void)a1; (void)a2; (void)a3; (void)a4; (void)a5; (void)a6; (void)a7; (void)a8;
  if (num == toggleSys) toggle(slot(vcpu));
}

static void on_exit_(qemu_plugin_id_t id, void *p) {
  (void)id; (void)p;
  char line[80];
  uint64_t sum = 0;
  for (unsigned i = 0; i < MAX_VCPUS; i++) sum += total[i];
  snprintf(line, sizeof line, "insns total %" PRIu64 "\n", sum);
  qemu_plugin_outs(line);
  for (unsigned i = 0; i < MAX_VCPUS; i++) {
    if (total[i] == 0) continue;
    snprintf(line, sizeof line, "insns vcpu %u %" PRIu64 "\n", i, total[i]);
    qemu_plugin_outs(line);
  }
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
  (void)info;
  for (int i = 0; i < argc; i++) {
    if (strncmp(argv[i], "sys=", 4) == 0) toggleSys = strtoll(argv[i] + 4, NULL, 10);
    else if (strncmp(argv[i], "addr=", 5) == 0) toggleAddr = strtoull(argv[i] + 5, NULL, 0);
    else if (strncmp(argv[i], "incl=", 5) == 0) inclAddr = strtoull(argv[i] + 5, NULL, 0);
    else if (strcmp(argv[i], "profile=on") == 0) profile = 1;
  }
  intern("?");
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_trans);
  if (toggleSys >= 0) qemu_plugin_register_vcpu_syscall_cb(id, on_syscall);
  qemu_plugin_register_atexit_cb(id, on_exit_, NULL);
  return 0;
}
