package org.conceptscope.registry;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * One registered method: its key (as macros, the batch runner and the docs spell it), a label in
 * words, its family, the class that implements it, the keys of the parameters declared for it
 * (from its family's {@link Parameters}, so each is declared once), method-specific meanings of
 * "0: the method's default" (e.g. samples 50 for SmoothGrad), the paper it follows, and a factory
 * from parameter values.
 */
public record MethodEntry(String key, String label, Family family, Class<?> type, List<String> parameters,
	Map<String, Object> defaults, String reference, Function<Values, ?> factory) {

	public MethodEntry {
		Objects.requireNonNull(key, "key");
		Objects.requireNonNull(family, "family");
		Objects.requireNonNull(type, "type");
		parameters = List.copyOf(parameters);
		defaults = Map.copyOf(defaults);
		reference = reference == null ? "" : reference;
	}

	/** Whether {@link #create} builds the method (mege_reco is registered for its key and class but trained models are its input). */
	public boolean creatable() {
		return factory != null;
	}

	/**
	 * The method built from these values.
	 *
	 * @throws IllegalArgumentException when it cannot be built from parameter values alone, or a value is refused by the method
	 */
	public <T> T create(Values values, Class<T> as) {
		if (factory == null) {
			throw new IllegalArgumentException(label + " (" + key + ") is not built from parameters alone; its command runs it.");
		}
		return as.cast(factory.apply(values));
	}
}
