package org.conceptscope.spark;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.fiji.run.Models;
import org.conceptscope.model.Classifier;

/**
 * The models a task thread has open, kept for the thread's next tasks: an executor loads each
 * shipped model once per thread, not once per task. A predictor is not shared between threads.
 */
final class TaskModels {

	/** Kept open per thread at least; the least recently used beyond are closed. */
	private static final int KEPT = 17;

	/** Least recently used first; never fewer kept than the largest set one task used at once. */
	private static final class Open extends LinkedHashMap<Path, Classifier> {
		int capacity = KEPT;

		Open() {
			super(16, 0.75f, true);
		}

		@Override
		protected boolean removeEldestEntry(Map.Entry<Path, Classifier> eldest) {
			if (size() <= capacity) return false;
			eldest.getValue().close();
			return true;
		}
	}

	private static final ThreadLocal<Open> OPEN = ThreadLocal.withInitial(Open::new);

	private TaskModels() {}

	static Classifier open(Path model) {
		return OPEN.get().computeIfAbsent(model, Models::open);
	}

	/**
	 * Models one task uses together (MeGe/ReCo's model and its fold models, however many folds):
	 * none of them is closed to make room for another of the same set.
	 */
	static List<Classifier> openTogether(List<Path> models) {
		Open open = OPEN.get();
		open.capacity = Math.max(open.capacity, models.size());
		return models.stream().map(TaskModels::open).toList();
	}
}
