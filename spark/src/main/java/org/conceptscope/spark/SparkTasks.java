package org.conceptscope.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.spark.SimpleFutureAction;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;

import scala.Tuple2;
import scala.collection.Iterator;
import scala.collection.JavaConverters;
import scala.runtime.AbstractFunction0;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * One Spark task per index, each result handed to the driver as its task finishes (once per index,
 * whatever the retries), so the driver writes a part while the others are computed. The tasks run as
 * one job group: when the driver stops taking results (a part that cannot be written, a stop asked
 * for, an interrupt) the group is cancelled, its running tasks interrupted, and no task of it starts
 * any more. The batch job's parts and the concept job's passes both run here.
 */
final class SparkTasks {

	/** On an executor: the result of index {@code index}. */
	interface Task<T> extends Serializable {
		T compute(int index) throws Exception;
	}

	/** On the driver: takes each result as it arrives; false when no more are wanted. */
	interface Sink<T> {
		boolean accept(int index, T result) throws IOException;
	}

	/** The Spark job failed (a task's failure, or Spark's); the cause is Spark's report, the task's exception inside it. */
	static final class Failed extends RuntimeException {
		private static final long serialVersionUID = 1L;

		Failed(Throwable cause) {
			super(cause.getMessage(), cause);
		}
	}

	private SparkTasks() {}

	/**
	 * Runs {@code task} for every index, handing each result to {@code sink} on this thread as it arrives.
	 * Returns when every result has been taken or the sink returned false; whatever ends it otherwise (the
	 * sink's exception, an interrupt) cancels the tasks left first.
	 *
	 * @throws Failed when the job failed
	 */
	static <T> void run(JavaSparkContext jsc, List<Integer> indices, String description, Task<T> task, Sink<T> sink) throws IOException {
		if (indices.isEmpty()) return;
		SparkContext sc = jsc.sc();
		RDD<Integer> rdd = jsc.parallelize(indices, indices.size()).rdd();
		BlockingQueue<Tuple2<Integer, T>> arrived = new LinkedBlockingQueue<>();
		String group = "conceptscope-" + System.nanoTime();
		// interruptOnCancel: a cancelled group's running tasks are interrupted, not left to finish work nobody takes
		sc.setJobGroup(group, description, true);
		SimpleFutureAction<BoxedUnit> job;
		try {
			job = sc.submitJob(rdd, new Apply<T>(task), JavaConverters.asScalaBuffer(range(indices.size())).toSeq(), new Arrived<T>(arrived),
				new Done());
		} finally {
			sc.clearJobGroup();
		}
		boolean ended = false;
		try {
			int received = 0;
			while (received < indices.size()) {
				Tuple2<Integer, T> next = arrived.poll(200, TimeUnit.MILLISECONDS);
				if (next == null) {
					if (!job.isCompleted()) continue;
					next = arrived.poll();
					if (next == null) {
						ended = true;
						scala.Option<scala.util.Try<BoxedUnit>> value = job.value();
						if (value.isDefined() && value.get().isFailure()) throw new Failed(value.get().failed().get());
						return;
					}
				}
				received++;
				if (!sink.accept(next._1(), next._2())) return;
			}
			ended = true;
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IOException("Interrupted while the parts were computed; the finished parts are kept, so the same command resumes.", e);
		} finally {
			// the sink stopped or failed (a part that cannot be written), or an interrupt: the tasks left are cancelled
			if (!ended) sc.cancelJobGroup(group);
		}
	}

	private static List<Object> range(int n) {
		List<Object> out = new ArrayList<>(n);
		for (int i = 0; i < n; i++) out.add(i);
		return out;
	}

	/** On an executor: the task's one index, computed. */
	private static final class Apply<T> extends AbstractFunction1<Iterator<Integer>, Tuple2<Integer, T>> implements Serializable {

		private static final long serialVersionUID = 1L;
		private final Task<T> task;

		Apply(Task<T> task) {
			this.task = task;
		}

		@Override
		public Tuple2<Integer, T> apply(Iterator<Integer> indices) {
			int index = indices.next();
			try {
				// the pixel-size warning and the palette note are the driver's, once per kind for the job: no task logs them per file
				return new Tuple2<>(index, org.conceptscope.fiji.run.Models.notesSaidByCaller(() -> task.compute(index)));
			} catch (RuntimeException e) {
				throw e;
			} catch (IOException e) {
				throw new UncheckedIOException(e);
			} catch (Exception e) {
				throw new IllegalStateException(e.getMessage(), e);
			}
		}
	}

	/** On the driver, as each task's result arrives (once per index, whatever the retries). */
	private static final class Arrived<T> extends AbstractFunction2<Object, Tuple2<Integer, T>, BoxedUnit> implements Serializable {

		private static final long serialVersionUID = 1L;
		private final transient BlockingQueue<Tuple2<Integer, T>> queue;

		Arrived(BlockingQueue<Tuple2<Integer, T>> queue) {
			this.queue = queue;
		}

		@Override
		public BoxedUnit apply(Object partition, Tuple2<Integer, T> result) {
			queue.add(result);
			return BoxedUnit.UNIT;
		}
	}

	private static final class Done extends AbstractFunction0<BoxedUnit> implements Serializable {

		private static final long serialVersionUID = 1L;

		@Override
		public BoxedUnit apply() {
			return BoxedUnit.UNIT;
		}
	}
}
