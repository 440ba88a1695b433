package org.conceptscope.model;

import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.List;

/**
 * Whether the {@code org.tensorflow} classes ConceptScope's TensorFlow engine runs on are DJL's
 * ({@code tensorflow-api}, TensorFlow Java 1.x for TensorFlow 2.16), not TensorFlow 1.x's Java API
 * under the same names. Fiji puts every jar of {@code jars/} on one class path, and the CSBDeep and
 * TensorFlow update sites (which StarDist and CARE need) install {@code libtensorflow-1.15.0.jar},
 * which defines {@code org.tensorflow.Graph}, {@code Session}, {@code SavedModelBundle},
 * {@code TensorFlow} and others again: whichever jar comes first wins, and with the old ones DJL
 * fails deep inside. Checked before the engine starts, by where each shared class is loaded from
 * (loaded, never initialised: TensorFlow 1.x's static initialisers load its natives).
 */
final class TensorFlowClasses {

	/** The names both APIs define that ConceptScope and DJL's engine use. */
	static final List<String> SHARED = List.of("org.tensorflow.TensorFlow", "org.tensorflow.Graph", "org.tensorflow.Session",
		"org.tensorflow.SavedModelBundle", "org.tensorflow.Tensor", "org.tensorflow.Operand", "org.tensorflow.Operation",
		"org.tensorflow.GraphOperation", "org.tensorflow.Output", "org.tensorflow.ExecutionEnvironment", "org.tensorflow.EagerSession");
	/** A class only DJL's tensorflow-api has: where it comes from is where the shared ones must come from. */
	static final String OWN = "org.tensorflow.ConcreteFunction";

	private TensorFlowClasses() {}

	/**
	 * The sentence saying which jar shadows DJL's TensorFlow classes, and what to do; null when
	 * every shared class comes from the jar that holds {@link #OWN}.
	 */
	static String conflict(ClassLoader loader) {
		URL own = location(OWN, loader);
		if (own == null) {
			return "ConceptScope's TensorFlow engine cannot start: DJL's TensorFlow classes (the tensorflow-api jar, with " + OWN
				+ ") are not on the class path; install ConceptScope again from its update site.";
		}
		for (String name : SHARED) {
			URL from = location(name, loader);
			if (from != null && !from.equals(own)) {
				return "ConceptScope's TensorFlow engine cannot start: " + name + " is loaded from " + describe(from) + " (TensorFlow 1.x's Java API,"
					+ " installed by the CSBDeep and TensorFlow update sites for StarDist and CARE) instead of ConceptScope's " + describe(own)
					+ "; keep StarDist/CSBDeep in a separate Fiji installation, or disable the CSBDeep and TensorFlow update sites"
					+ " (Help > Update... > Manage Update Sites) and restart Fiji (TorchScript and ONNX models still run meanwhile).";
			}
		}
		return null;
	}

	/** Where the class of that name is loaded from by the loader (not initialised); null when absent or unknown. */
	static URL location(String name, ClassLoader loader) {
		try {
			Class<?> c = Class.forName(name, false, loader);
			CodeSource src = c.getProtectionDomain() == null ? null : c.getProtectionDomain().getCodeSource();
			if (src != null && src.getLocation() != null) return src.getLocation();
		} catch (ClassNotFoundException | LinkageError e) {
			// absent, or not loadable: the resource still says which jar holds the name first
		}
		URL resource = loader.getResource(name.replace('.', '/') + ".class");
		return resource == null ? null : jarOf(resource);
	}

	/** The jar (or folder) of a class resource URL such as {@code jar:file:/x.jar!/org/tensorflow/Graph.class}. */
	private static URL jarOf(URL resource) {
		String s = resource.toString();
		int bang = s.indexOf("!/");
		try {
			return s.startsWith("jar:") && bang > 0 ? URI.create(s.substring(4, bang)).toURL() : resource;
		} catch (java.net.MalformedURLException | IllegalArgumentException e) {
			return resource;
		}
	}

	/** A jar's path when it is a file, else the URL. */
	private static String describe(URL location) {
		try {
			return Path.of(location.toURI()).toString();
		} catch (java.net.URISyntaxException | RuntimeException e) {
			return location.toString();
		}
	}
}
