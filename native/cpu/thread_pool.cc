// Persistent thread pool: workers sleep on a condition variable between jobs; the calling
// thread takes part as thread 0. Nested or concurrent calls run inline (no deadlock).
#include "thread_pool.h"

#include <algorithm>
#include <atomic>
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
    stop_ = false;
    for (int t = 1; t < threads_; ++t) workers_.emplace_back([this, t] { workerLoop(t); });
  }

  // Runs job on every thread; returns false if the pool is busy (caller runs inline).
  bool tryRun(const Job& job, std::exception_ptr& error) {
    if (tInsideParallel || threads_ == 1) return false;
    std::unique_lock<std::mutex> run(runMu_, std::try_to_lock);
    if (!run.owns_lock()) return false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = &job;
      pending_ = threads_ - 1;
      error_ = nullptr;
      generation_++;
    }
    cv_.notify_all();
    tInsideParallel = true;
    try {
      job.run(0);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!error_) error_ = std::current_exception();
    }
    tInsideParallel = false;
    std::unique_lock<std::mutex> lock(mu_);
    doneCv_.wait(lock, [this] { return pending_ == 0; });
    job_ = nullptr;
    error = error_;
    return true;
  }

 private:
  void workerLoop(int index) {
    tInsideParallel = true;
    uint64_t seen = 0;
    for (;;) {
      const Job* job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        job = job_;
      }
      try {
        job->run(index);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu_);
        if (!error_) error_ = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mu_);
      if (--pending_ == 0) doneCv_.notify_one();
    }
  }

  void stopAll() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex runMu_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable doneCv_;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
  const Job* job_ = nullptr;
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
