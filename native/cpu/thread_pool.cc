// Persistent thread pool: workers spin briefly, then sleep on a condition variable between
// jobs; the calling thread takes part as thread 0 and chunks are claimed dynamically (each
// thread from its own contiguous share first, then from the others'), so the caller never
// waits on a worker that is asleep or preempted. Nested or concurrent calls run
// inline (no deadlock).
#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace ftm {
namespace {

thread_local bool tInsideParallel = false;

// One parallel loop: `chunks` ranges of [0, n) claimed atomically by whichever threads arrive.
// The caller never waits for a thread that has not started (a sleeping or preempted worker
// just finds nothing left), only for chunks already being worked on.
//
// The chunks are dealt in contiguous shares, one per thread, and each thread claims from its
// own share first, then from the others' (a late or preempted thread's share is still taken
// over). So in consecutive loops over the same range, thread t works on the same part of it:
// a convolution reads the rows the previous layer's thread t wrote into its own core's cache
// (chained 16-channel 256x256 convolutions on 2 threads ran 25% slower than the same
// convolution repeated when any thread could take any chunk; on 1 thread they ran alike).
constexpr int kMaxShares = 64;

// One share's unclaimed chunks [next, end) (a cache line each: threads bump their own).
struct alignas(64) Cursor {
  std::atomic<size_t> next{0};
  size_t end = 0;
};

struct Job {
  const std::function<void(size_t, size_t, int)>* fn;
  size_t n = 0, chunks = 0, grain = 0;  // grain 0: chunks of equal size
  int shares = 1;                       // set by deal() before the threads start
  Cursor cursor[kMaxShares];
  std::atomic<size_t> done{0};
  std::mutex errorMu;
  std::exception_ptr error;

  // Deals the chunks into `threads` contiguous shares (at most kMaxShares).
  void deal(int threads) {
    shares = std::max(1, std::min(threads, kMaxShares));
    for (int s = 0; s < shares; ++s) {
      cursor[s].next.store(chunks * s / shares, std::memory_order_relaxed);
      cursor[s].end = chunks * (s + 1) / shares;
    }
  }

  // The next unclaimed chunk, own share first; false when none is left.
  bool claim(int thread, size_t& c) {
    const int own = thread % shares;
    for (int k = 0; k < shares; ++k) {
      Cursor& cur = cursor[(own + k) % shares];
      if (cur.next.load(std::memory_order_relaxed) >= cur.end) continue;
      c = cur.next.fetch_add(1, std::memory_order_relaxed);
      if (c < cur.end) return true;
    }
    return false;
  }

  void range(size_t c, size_t& begin, size_t& end) const {
    if (grain == 0) {
      begin = n * c / chunks;
      end = n * (c + 1) / chunks;
    } else {
      begin = c * grain;
      end = std::min(n, begin + grain);
    }
  }

  void work(int thread) {
    for (;;) {
      size_t c;
      if (!claim(thread, c)) return;
      size_t begin, end;
      range(c, begin, end);
      try {
        if (begin < end) (*fn)(begin, end, thread);
      } catch (...) {
        std::lock_guard<std::mutex> lock(errorMu);
        if (!error) error = std::current_exception();
      }
      done.fetch_add(1, std::memory_order_acq_rel);
    }
  }
};

// Spin this long (1 ms; 100 us made an FTMTLNet forward 1.5x slower here) for the next job
// before sleeping: waking a sleeping thread costs tens of microseconds to milliseconds on a
// busy machine, while ops in a training step come back to back.
constexpr auto kSpin = std::chrono::microseconds(1000);

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Spins until pred() holds or kSpin has passed; returns pred().
template <typename Pred>
bool spinUntil(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (int i = 0;; ++i) {
    if (pred()) return true;
    cpuRelax();
    if ((i & 63) == 63 && std::chrono::steady_clock::now() > deadline) return pred();
  }
}

class ThreadPool {
 public:
  ThreadPool() { resize(defaultThreads()); }
  ~ThreadPool() { stopAll(); }

  static int defaultThreads() {
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
  }

  int size() const { return threads_; }

  void resize(int n) {
    std::lock_guard<std::mutex> run(runMu_);
    stopAll();
    threads_ = std::max(1, n);
    stop_.store(false);
    for (int t = 1; t < threads_; ++t) workers_.emplace_back([this, t] { workerLoop(t); });
  }

  // Runs the job's chunks on this thread and whichever workers join; false if the pool is
  // busy (the caller then runs inline).
  bool tryRun(Job& job) {
    if (tInsideParallel || threads_ == 1) return false;
    std::unique_lock<std::mutex> run(runMu_, std::try_to_lock);
    if (!run.owns_lock()) return false;
    job.deal(threads_);
    job_.store(&job, std::memory_order_seq_cst);
    {
      std::lock_guard<std::mutex> lock(mu_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    tInsideParallel = true;
    job.work(0);
    tInsideParallel = false;
    // Chunks other threads claimed are running now: wait for them, yielding if one was preempted.
    for (int i = 0; job.done.load(std::memory_order_acquire) != job.chunks; ++i) {
      if (i < 4096) cpuRelax();
      else std::this_thread::yield();
    }
    // Retire the job (it lives on the caller's stack): no worker may enter it after this,
    // and the ones inside leave at once (no chunks left).
    job_.store(nullptr, std::memory_order_seq_cst);
    while (active_.load(std::memory_order_seq_cst) != 0) cpuRelax();
    return true;
  }

 private:
  void workerLoop(int index) {
    tInsideParallel = true;
    uint64_t seen = 0;
    for (;;) {
      const auto arrived = [&] {
        return stop_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen;
      };
      if (!spinUntil(arrived)) {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, arrived);
      }
      if (stop_.load(std::memory_order_acquire)) return;
      seen = generation_.load(std::memory_order_acquire);
      active_.fetch_add(1, std::memory_order_seq_cst);
      Job* job = job_.load(std::memory_order_seq_cst);
      if (job != nullptr) job->work(index);
      active_.fetch_sub(1, std::memory_order_seq_cst);
    }
  }

  void stopAll() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_.store(true, std::memory_order_release);
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex runMu_;   // one job at a time
  std::mutex mu_;      // guards sleeping on cv_
  std::condition_variable cv_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> active_{0};  // workers inside a job
  std::atomic<bool> stop_{false};
  std::atomic<Job*> job_{nullptr};
};

ThreadPool& pool() {
  static ThreadPool* p = new ThreadPool();  // never destroyed: avoids join at exit
  return *p;
}

// Runs `job` on the pool, or inline when the pool is busy or nested.
void runJob(Job& job) {
  if (!pool().tryRun(job)) {
    (*job.fn)(0, job.n, 0);
    return;
  }
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace

int numThreads() { return pool().size(); }

void setNumThreads(int n) { pool().resize(n); }

void parallelFor(size_t n, const std::function<void(size_t, size_t, int)>& fn) {
  if (n == 0) return;
  const size_t threads = static_cast<size_t>(pool().size());
  if (threads <= 1 || n == 1) {
    fn(0, n, 0);
    return;
  }
  // A few chunks per thread, so a late or preempted thread's share is picked up by the others.
  Job job;
  job.fn = &fn;
  job.n = n;
  job.chunks = std::min(n, 4 * threads);
  runJob(job);
}

void parallelForDynamic(size_t n, size_t grain, const std::function<void(size_t, size_t, int)>& fn) {
  if (n == 0) return;
  if (grain == 0) grain = 1;
  if (pool().size() <= 1 || n <= grain) {
    fn(0, n, 0);
    return;
  }
  Job job;
  job.fn = &fn;
  job.n = n;
  job.grain = grain;
  job.chunks = (n + grain - 1) / grain;
  runJob(job);
}

}  // namespace ftm
