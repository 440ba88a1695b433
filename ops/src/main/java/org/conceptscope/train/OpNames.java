package org.conceptscope.train;

import java.util.HashMap;
import java.util.Map;

import org.tensorflow.op.Ops;

/**
 * Names graph ops with paths like "conv1/relu". TensorFlow Java accepts "/" only through
 * sub-scopes, and each withSubScope call makes a new, uniquified scope ("conv1_2"), so one
 * scope per prefix is created and reused.
 */
final class OpNames {

	private final Ops root;
	private final Map<String, Ops> scopes = new HashMap<>();

	OpNames(Ops root) {
		this.root = root;
	}

	/** Ops whose next op is named {@code path}. */
	Ops op(String path) {
		int slash = path.lastIndexOf('/');
		if (slash < 0) return root.withName(path);
		return scope(path.substring(0, slash)).withName(path.substring(slash + 1));
	}

	private Ops scope(String prefix) {
		Ops s = scopes.get(prefix);
		if (s == null) {
			int slash = prefix.lastIndexOf('/');
			Ops parent = slash < 0 ? root : scope(prefix.substring(0, slash));
			s = parent.withSubScope(slash < 0 ? prefix : prefix.substring(slash + 1));
			scopes.put(prefix, s);
		}
		return s;
	}
}
