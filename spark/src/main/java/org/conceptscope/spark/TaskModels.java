package org.conceptscope.spark;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.conceptscope.fiji.run.Models;
import org.conceptscope.model.Classifier;

/**
 * The models a task thread has open, kept for the thread's next tasks: an executor loads each
 * shipped model once per thread, not once per task. A predictor is not shared between threads.
 */
final class TaskModels {

	/** Enough for a MeGe/ReCo job (the model and its fold models); the least recently used beyond are closed. */
	private static final int KEPT = 17;

	private static final ThreadLocal<Map<Path, Classifier>> OPEN = ThreadLocal.withInitial(() -> new LinkedHashMap<>(16, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<Path, Classifier> eldest) {
			if (size() <= KEPT) return false;
			eldest.getValue().close();
			return true;
		}
	});

	private TaskModels() {}

	static Classifier open(Path model) {
		return OPEN.get().computeIfAbsent(model, Models::open);
	}
}
