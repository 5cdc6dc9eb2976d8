// ThreadSanitizer annotations for Debian's libabsl_synchronization, linked
// into every binary built with --config=tsan (third_party/BUILD selects it).
//
// Why: Debian's absl is not built with -fsanitize=thread, so the
// happens-before edges made inside absl::Mutex / CondVar / Notification /
// BlockingCounter (atomics and futexes in the uninstrumented .so) are
// invisible to TSan, and every access to data those primitives guard is
// reported as a race. An absl built with TSan annotates its Mutex with the
// __tsan_mutex_* interface; this file adds the same annotations from outside.
//
// How: the executable defines the public lock/unlock entry points itself. The
// dynamic linker binds calls to these definitions (the executable comes first
// in symbol lookup), each of which annotates and forwards to the real
// function in the .so, found with dlsym(RTLD_NEXT). The .so's own calls to
// public entry points go through its PLT too: the *WithTimeout forms call
// the *WithDeadline ones, so only the latter are wrapped (wrapping both would
// annotate one lock twice); Lock, Unlock, LockWhen*, Await* and
// CondVar::Wait* call only internals (objdump -d). Notification,
// BlockingCounter and ReleasableMutexLock are a few lines over Mutex, so they
// are defined here in full and compiled instrumented, as in a TSan build of
// absl. Only the Mutex / CondVar operations are forwarded.
//
// Nothing here changes behaviour: every wrapper calls the original.

// --config=tsan undefines __SANITIZE_THREAD__ (see .bazelrc) and defines
// TESSERA_TSAN instead.
#if !defined(TESSERA_TSAN)
#error "absl_tsan_annotations.cc is for --config=tsan builds only"
#endif

#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/base/options.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

#define TESSERA_STR2(x) #x
#define TESSERA_STR(x) TESSERA_STR2(x)

namespace {

// The .so's symbol for "absl::<inline ns>::<suffix>": `suffix` is the rest of
// the Itanium mangled name, e.g. "5Mutex4LockEv". Substitutions (S0_ = the
// inline namespace) do not depend on its spelling, so only the prefix varies.
void* Real(const char* prefix, const char* suffix) {
  const std::string ns = TESSERA_STR(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  const std::string name = std::string(prefix) + "4absl" +
                           std::to_string(ns.size()) + ns + suffix;
  void* f = dlsym(RTLD_NEXT, name.c_str());
  if (f == nullptr) {
    // Only reachable in a TSan build against an absl with another ABI.
    std::fprintf(stderr, "absl_tsan_annotations: %s not found: %s\n",
                 name.c_str(), dlerror());
    std::abort();
  }
  return f;
}

template <typename Fn>
Fn RealFn(const char* prefix, const char* suffix) {
  return reinterpret_cast<Fn>(Real(prefix, suffix));
}

constexpr unsigned kRead = __tsan_mutex_read_lock;

// The release-then-reacquire of Await / CondVar::Wait, annotated as absl's
// own TSan build does (Mutex::AwaitCommon): the mutex is released at the
// start, and the accesses inside (the waiter's Condition, evaluated by the
// .so) are ignored until it is held again.
template <typename F>
auto Rewait(void* mu, unsigned flags, F&& wait) {
  __tsan_mutex_pre_unlock(mu, flags);
  auto result = wait();
  __tsan_mutex_post_unlock(mu, flags);
  __tsan_mutex_pre_lock(mu, flags);
  __tsan_mutex_post_lock(mu, flags, 0);
  return result;
}

// Lock operations that block until locked (LockWhen*: held on return even on
// timeout).
template <typename F>
auto Locking(void* mu, unsigned flags, F&& lock) {
  __tsan_mutex_pre_lock(mu, flags);
  auto result = lock();
  __tsan_mutex_post_lock(mu, flags, 0);
  return result;
}

template <typename F>
void Unlocking(void* mu, unsigned flags, F&& unlock) {
  __tsan_mutex_pre_unlock(mu, flags);
  unlock();
  __tsan_mutex_post_unlock(mu, flags);
}

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

// ---- Mutex: forwarded. *WithTimeout calls *WithDeadline.

Mutex::~Mutex() {
  static auto real = RealFn<void (*)(Mutex*)>("_ZN", "5MutexD1Ev");
  real(this);
  __tsan_mutex_destroy(this, 0);
}

void Mutex::Lock() {
  static auto real = RealFn<void (*)(Mutex*)>("_ZN", "5Mutex4LockEv");
  Locking(this, 0, [&] { return (real(this), 0); });
}

void Mutex::ReaderLock() {
  static auto real = RealFn<void (*)(Mutex*)>("_ZN", "5Mutex10ReaderLockEv");
  Locking(this, kRead, [&] { return (real(this), 0); });
}

void Mutex::Unlock() {
  static auto real = RealFn<void (*)(Mutex*)>("_ZN", "5Mutex6UnlockEv");
  Unlocking(this, 0, [&] { real(this); });
}

void Mutex::ReaderUnlock() {
  static auto real = RealFn<void (*)(Mutex*)>("_ZN", "5Mutex12ReaderUnlockEv");
  Unlocking(this, kRead, [&] { real(this); });
}

bool Mutex::TryLock() {
  static auto real = RealFn<bool (*)(Mutex*)>("_ZN", "5Mutex7TryLockEv");
  __tsan_mutex_pre_lock(this, __tsan_mutex_try_lock);
  const bool ok = real(this);
  __tsan_mutex_post_lock(
      this, __tsan_mutex_try_lock | (ok ? 0 : __tsan_mutex_try_lock_failed), 0);
  return ok;
}

bool Mutex::ReaderTryLock() {
  static auto real = RealFn<bool (*)(Mutex*)>("_ZN", "5Mutex13ReaderTryLockEv");
  const unsigned flags = kRead | __tsan_mutex_try_lock;
  __tsan_mutex_pre_lock(this, flags);
  const bool ok = real(this);
  __tsan_mutex_post_lock(this, flags | (ok ? 0 : __tsan_mutex_try_lock_failed),
                         0);
  return ok;
}

using CondFn = void (*)(Mutex*, const Condition&);
using CondDeadlineFn = bool (*)(Mutex*, const Condition&, Time);

void Mutex::LockWhen(const Condition& cond) {
  static auto real = RealFn<CondFn>("_ZN", "5Mutex8LockWhenERKNS0_9ConditionE");
  Locking(this, 0, [&] { return (real(this, cond), 0); });
}

void Mutex::ReaderLockWhen(const Condition& cond) {
  static auto real =
      RealFn<CondFn>("_ZN", "5Mutex14ReaderLockWhenERKNS0_9ConditionE");
  Locking(this, kRead, [&] { return (real(this, cond), 0); });
}

bool Mutex::LockWhenWithDeadline(const Condition& cond, Time deadline) {
  static auto real = RealFn<CondDeadlineFn>(
      "_ZN", "5Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  return Locking(this, 0, [&] { return real(this, cond, deadline); });
}

bool Mutex::ReaderLockWhenWithDeadline(const Condition& cond, Time deadline) {
  static auto real = RealFn<CondDeadlineFn>(
      "_ZN", "5Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  return Locking(this, kRead, [&] { return real(this, cond, deadline); });
}

// Await* is called with the mutex held exclusively (Tessera never awaits
// under a reader lock); absl does not say in which mode it is held.
void Mutex::Await(const Condition& cond) {
  static auto real = RealFn<CondFn>("_ZN", "5Mutex5AwaitERKNS0_9ConditionE");
  Rewait(this, 0, [&] { return (real(this, cond), 0); });
}

bool Mutex::AwaitWithDeadline(const Condition& cond, Time deadline) {
  static auto real = RealFn<CondDeadlineFn>(
      "_ZN", "5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  return Rewait(this, 0, [&] { return real(this, cond, deadline); });
}

// ---- CondVar: forwarded (the mutex is released and reacquired inside);
// WaitWithTimeout calls WaitWithDeadline.

void CondVar::Wait(Mutex* mu) {
  static auto real =
      RealFn<void (*)(CondVar*, Mutex*)>("_ZN", "7CondVar4WaitEPNS0_5MutexE");
  Rewait(mu, 0, [&] { return (real(this, mu), 0); });
}

bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) {
  static auto real = RealFn<bool (*)(CondVar*, Mutex*, Time)>(
      "_ZN", "7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  return Rewait(mu, 0, [&] { return real(this, mu, deadline); });
}

// ---- Defined in full over the annotated Mutex (same behaviour as absl's).

void ReleasableMutexLock::Release() {
  if (mu_ == nullptr) {
    std::fprintf(stderr, "ReleasableMutexLock::Release called twice\n");
    std::abort();
  }
  mu_->Unlock();
  mu_ = nullptr;
}

void Notification::Notify() {
  MutexLock lock(&mutex_);
  if (notified_yet_.load(std::memory_order_relaxed)) {
    std::fprintf(stderr, "Notification %p notified twice\n",
                 static_cast<void*>(this));
    std::abort();
  }
  notified_yet_.store(true, std::memory_order_release);
}

// Waits for a Notify() still inside its critical section before the memory
// goes away.
Notification::~Notification() { MutexLock lock(&mutex_); }

void Notification::WaitForNotification() const {
  if (HasBeenNotifiedInternal(&notified_yet_)) return;
  mutex_.LockWhen(Condition(&HasBeenNotifiedInternal, &notified_yet_));
  mutex_.Unlock();
}

bool Notification::WaitForNotificationWithTimeout(Duration timeout) const {
  if (HasBeenNotifiedInternal(&notified_yet_)) return true;
  mutex_.LockWhenWithTimeout(
      Condition(&HasBeenNotifiedInternal, &notified_yet_), timeout);
  const bool notified = HasBeenNotifiedInternal(&notified_yet_);
  mutex_.Unlock();
  return notified;
}

bool Notification::WaitForNotificationWithDeadline(Time deadline) const {
  if (HasBeenNotifiedInternal(&notified_yet_)) return true;
  mutex_.LockWhenWithDeadline(
      Condition(&HasBeenNotifiedInternal, &notified_yet_), deadline);
  const bool notified = HasBeenNotifiedInternal(&notified_yet_);
  mutex_.Unlock();
  return notified;
}

BlockingCounter::BlockingCounter(int initial_count)
    : count_(initial_count), num_waiting_(0), done_(initial_count == 0) {
  if (initial_count < 0) {
    std::fprintf(stderr, "BlockingCounter initial_count %d < 0\n",
                 initial_count);
    std::abort();
  }
}

bool BlockingCounter::DecrementCount() {
  const int count = count_.fetch_sub(1, std::memory_order_acq_rel) - 1;
  if (count < 0) {
    std::fprintf(stderr, "BlockingCounter::DecrementCount called too often\n");
    std::abort();
  }
  if (count > 0) return false;
  MutexLock lock(&lock_);
  done_ = true;
  return true;
}

void BlockingCounter::Wait() {
  MutexLock lock(&lock_);
  if (num_waiting_++ != 0) {
    std::fprintf(stderr, "BlockingCounter::Wait called by two threads\n");
    std::abort();
  }
  lock_.Await(Condition(&done_));
}

ABSL_NAMESPACE_END
}  // namespace absl
