package org.conceptscope.spark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;

/**
 * A child JVM for {@link TaskModelsAndArchiveTest}: two task threads, as an executor's, each open the model
 * {@code args[0]} through {@link TaskModels} and keep it (as a task thread keeps it for its next tasks); then
 * the JVM exits, as an executor does, without closing them.
 */
public final class TaskModelsChild {

	private TaskModelsChild() {}

	public static void main(String[] args) throws Exception {
		Path model = Path.of(args[0]);
		List<String> classes = java.util.Collections.synchronizedList(new ArrayList<>());
		List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
		List<Thread> threads = new ArrayList<>();
		for (int t = 0; t < 2; t++) {
			Thread thread = new Thread(() -> {
				try {
					Classifier c = TaskModels.open(model);
					classes.add(c.logits(FloatTensor.zeros(1, 32, 32, 3)).dim(1) + " classes");
				} catch (Throwable e) {
					failures.add(e);
				}
			}, "task-" + t);
			threads.add(thread);
			thread.start();
		}
		for (Thread thread : threads) thread.join();
		if (!failures.isEmpty()) {
			failures.get(0).printStackTrace();
			System.exit(1);
		}
		System.out.println("opened: " + classes);
		System.exit(0);
	}
}
