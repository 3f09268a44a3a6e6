// Persistent thread pool: workers spin briefly, then sleep on a condition variable between
// jobs; the calling thread takes part as thread 0. Nested or concurrent calls run inline (no deadlock).
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

struct Job {
  std::function<void(int)> run;  // run(threadIndex)
};

// Spin this long (1 ms; 100 us made an FTMTLNet forward 1.5x slower here) for the next job, or for
// workers to finish, before sleeping: waking a
// sleeping thread costs tens of microseconds to milliseconds on a busy machine, while ops
// in a training step come back to back.
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

  // Runs job on every thread; returns false if the pool is busy (caller runs inline).
  bool tryRun(const Job& job, std::exception_ptr& error) {
    if (tInsideParallel || threads_ == 1) return false;
    std::unique_lock<std::mutex> run(runMu_, std::try_to_lock);
    if (!run.owns_lock()) return false;
    error_ = nullptr;
    job_.store(&job, std::memory_order_relaxed);
    pending_.store(threads_ - 1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mu_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    tInsideParallel = true;
    try {
      job.run(0);
    } catch (...) {
      std::lock_guard<std::mutex> lock(errorMu_);
      if (!error_) error_ = std::current_exception();
    }
    tInsideParallel = false;
    if (!spinUntil([this] { return pending_.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock<std::mutex> lock(mu_);
      doneCv_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
    }
    job_.store(nullptr, std::memory_order_relaxed);
    error = error_;
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
      const Job* job = job_.load(std::memory_order_relaxed);
      try {
        job->run(index);
      } catch (...) {
        std::lock_guard<std::mutex> lock(errorMu_);
        if (!error_) error_ = std::current_exception();
      }
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mu_);
        doneCv_.notify_one();
      }
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
  std::mutex mu_;      // guards sleeping on cv_/doneCv_
  std::mutex errorMu_;
  std::condition_variable cv_;
  std::condition_variable doneCv_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  std::atomic<const Job*> job_{nullptr};
  std::exception_ptr error_;
};

ThreadPool& pool() {
  static ThreadPool* p = new ThreadPool();  // never destroyed: avoids join at exit
  return *p;
}

}  // namespace

int numThreads() { return pool().size(); }

void setNumThreads(int n) { pool().resize(n); }

void parallelFor(size_t n, const std::function<void(size_t, size_t, int)>& fn) {
  if (n == 0) return;
  ThreadPool& p = pool();
  const int threads = static_cast<int>(std::min<size_t>(n, static_cast<size_t>(p.size())));
  if (threads <= 1) {
    fn(0, n, 0);
    return;
  }
  const int poolSize = p.size();
  Job job{[&](int t) {
    if (t >= threads) return;
    const size_t begin = n * static_cast<size_t>(t) / threads;
    const size_t end = n * static_cast<size_t>(t + 1) / threads;
    if (begin < end) fn(begin, end, t);
  }};
  (void)poolSize;
  std::exception_ptr error;
  if (!p.tryRun(job, error)) {
    fn(0, n, 0);
    return;
  }
  if (error) std::rethrow_exception(error);
}

void parallelForDynamic(size_t n, size_t grain, const std::function<void(size_t, size_t, int)>& fn) {
  if (n == 0) return;
  if (grain == 0) grain = 1;
  ThreadPool& p = pool();
  if (p.size() <= 1 || n <= grain) {
    fn(0, n, 0);
    return;
  }
  std::atomic<size_t> next{0};
  Job job{[&](int t) {
    for (;;) {
      const size_t begin = next.fetch_add(grain);
      if (begin >= n) return;
      fn(begin, std::min(n, begin + grain), t);
    }
  }};
  std::exception_ptr error;
  if (!p.tryRun(job, error)) {
    fn(0, n, 0);
    return;
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace ftm
