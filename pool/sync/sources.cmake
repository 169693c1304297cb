# Sources of the sync area (channels, select, Mutex, Semaphore, Context, timers); WaitGroup is
# listed with the runtime core.
