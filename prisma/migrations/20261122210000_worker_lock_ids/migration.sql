-- Job-queue lock ids per worker process, for releasing the locks of processes that died.
ALTER TABLE "WorkerHeartbeat" ADD COLUMN "lockIds" TEXT[] DEFAULT ARRAY[]::TEXT[];
