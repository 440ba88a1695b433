package org.conceptscope.model;

import java.util.List;
import java.util.function.Supplier;

/**
 * The attribution methods a forward-only model (ONNX) runs, in words, for the sentences that refuse gradient methods on
 * such a model. The registry declares the methods and lends the list ({@link #lend}); the model package does not depend on
 * the registry, which depends on it.
 */
public final class ForwardOnlyMethods {
	private static volatile Supplier<List<String>> lent;

	private ForwardOnlyMethods() {
	}

	/** Called once by the registry as it loads. */
	public static void lend(Supplier<List<String>> labels) {
		lent = labels;
	}

	/** "Occlusion, RISE, ... or Kernel SHAP" with {@code conjunction} "or", or "and". */
	public static String inWords(String conjunction) {
		if (lent == null) {
			// the registry loads with any method; a sentence asked before that (a bare model API call) loads it here, by name
			// because an import would make the cycle this class avoids
			try {
				Class.forName("org.conceptscope.registry.Registry", true, ForwardOnlyMethods.class.getClassLoader());
			} catch (ClassNotFoundException e) {
				throw new IllegalStateException("ConceptScope's ops jar is incomplete: its method registry is missing.", e);
			}
		}
		List<String> m = lent.get();
		return m.size() <= 1 ? String.join("", m) : String.join(", ", m.subList(0, m.size() - 1)) + " " + conjunction + " " + m.get(m.size() - 1);
	}
}
