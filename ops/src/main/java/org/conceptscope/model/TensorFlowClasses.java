package org.conceptscope.model;

import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.List;

/**
 * Whether the classes ConceptScope's TensorFlow models run on are the ones they were built for.
 * <p>
 * The {@code org.tensorflow} classes must be DJL's
 * ({@code tensorflow-api}, TensorFlow Java 1.x for TensorFlow 2.16), not TensorFlow 1.x's Java API
 * under the same names. Fiji puts every jar of {@code jars/} on one class path, and the CSBDeep and
 * TensorFlow update sites (which StarDist and CARE need) install {@code libtensorflow-1.15.0.jar},
 * which defines {@code org.tensorflow.Graph}, {@code Session}, {@code SavedModelBundle},
 * {@code TensorFlow} and others again: whichever jar comes first wins, and with the old ones DJL
 * fails deep inside. Checked before the engine starts, by where each shared class is loaded from
 * (loaded, never initialised: TensorFlow 1.x's static initialisers load its natives).
 * <p>
 * The protocol buffer runtime, {@code protobuf-java}, must be one that DJL's generated
 * {@code org.tensorflow.proto} classes run on: 4.28.2 (Fiji's own since January 2025, stardist/stardist-imagej#23) lacks
 * {@code GeneratedMessageV3.mutableCopy(LongList)}, which they call to build and parse a repeated
 * field, so reading any {@code saved_model.pb} fails with a {@code NoSuchMethodError} (3.x, which
 * the CSBDeep and TensorFlow update sites carry, fails likewise); 4.29.3 and later work. Checked by
 * building and parsing two such messages.
 */
final class TensorFlowClasses {

	/** The names both APIs define that ConceptScope and DJL's engine use. */
	static final List<String> SHARED = List.of("org.tensorflow.TensorFlow", "org.tensorflow.Graph", "org.tensorflow.Session",
		"org.tensorflow.SavedModelBundle", "org.tensorflow.Tensor", "org.tensorflow.Operand", "org.tensorflow.Operation",
		"org.tensorflow.GraphOperation", "org.tensorflow.Output", "org.tensorflow.ExecutionEnvironment", "org.tensorflow.EagerSession");
	/** A class only DJL's tensorflow-api has: where it comes from is where the shared ones must come from. */
	static final String OWN = "org.tensorflow.ConcreteFunction";

	private TensorFlowClasses() {}

	private static volatile boolean checked;

	/**
	 * Refuses, in one sentence, a class path on which TensorFlow models cannot run: see the class
	 * comment. Call before the first {@code org.tensorflow} class is touched; checked once per JVM.
	 *
	 * @throws IllegalStateException naming the jar in the way and what to do
	 */
	static void check() {
		if (checked) return;
		ClassLoader loader = TensorFlowClasses.class.getClassLoader();
		String why = conflict(loader);
		if (why == null) why = protobufProblem(loader);
		if (why != null) throw new IllegalStateException(why);
		checked = true;
	}

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

	/**
	 * The sentence saying that the loader's protobuf-java cannot run DJL's TensorFlow messages, and
	 * what to do; null when a repeated field of each kind they use can be built and parsed.
	 */
	static String protobufProblem(ClassLoader loader) {
		try {
			for (String[] probe : new String[][] { { "org.tensorflow.proto.AttrValue$ListValue", "addI" }, { "org.tensorflow.proto.TensorProto", "addFloatVal" } }) {
				Class<?> message = Class.forName(probe[0], true, loader);
				Object builder = message.getMethod("newBuilder").invoke(null);
				java.lang.reflect.Method add = java.util.Arrays.stream(builder.getClass().getMethods())
					.filter(m -> m.getName().equals(probe[1]) && m.getParameterCount() == 1).findFirst().orElseThrow();
				add.invoke(builder, add.getParameterTypes()[0] == long.class ? (Object) 1L : (Object) 1f);
				byte[] bytes = (byte[]) message.getMethod("toByteArray").invoke(builder.getClass().getMethod("build").invoke(builder));
				message.getMethod("parseFrom", byte[].class).invoke(null, (Object) bytes);
			}
			return null;
		} catch (java.lang.reflect.InvocationTargetException | LinkageError e) {
			Throwable cause = e instanceof java.lang.reflect.InvocationTargetException ? e.getCause() : e;
			if (!(cause instanceof LinkageError)) return null; // not a class path matter: the model's own reading reports it
			URL runtime = location("com.google.protobuf.GeneratedMessageV3", loader);
			return "ConceptScope's TensorFlow engine cannot start: the protobuf-java in " + (runtime == null ? "the class path" : describe(runtime))
				+ " is too old for DJL's TensorFlow classes (" + cause + "); ConceptScope needs protobuf-java 4.29.3 or later (in Fiji its update"
				+ " site installs one: run Help > Update...; outside Fiji, put a newer protobuf-java first on the class path), and if another update site"
				+ " puts an older one in its place (CSBDeep and TensorFlow carry protobuf-java 3.x), keep that site in a separate Fiji installation.";
		} catch (ReflectiveOperationException | RuntimeException e) {
			return null; // DJL's classes are missing or not what this probe knows: conflict() and the engine's own start report that
		}
	}

	/** Where the class of that name by the loader (not initialised); null when absent or unknown. */
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
