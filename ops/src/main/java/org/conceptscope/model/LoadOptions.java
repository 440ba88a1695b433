package org.conceptscope.model;

import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * How a model is loaded.
 * <p>
 * <b>A SavedModel is code.</b> Before TensorFlow sees a model, ConceptScope reads its
 * saved_model.pb and refuses any operation that is not plain computation (file I/O, printing,
 * Python calls, data sets, ...): see {@link GraphSafety}. A model you trust can be loaded
 * without that check with {@link #trusted()}, or for the whole JVM with the system property
 * {@value #TRUST_PROPERTY}{@code =true} (for Fiji: add {@code -Dconceptscope.trustModel=true}
 * to the Java options). Only do that for models whose author you trust.
 *
 * @param trustModel        skip the operation allow-list (the model may then run any operation)
 * @param inlineFunctions   inline (Stateful)PartitionedCall function bodies on the serving path
 *                          (Keras/TF2 SavedModels), so that gradients, layer fetch and layer feed work
 * @param workDir           where temporary folders are made (rewritten graphs, unpacked packages);
 *                          null: the system temporary folder. Every temporary folder is removed again.
 * @param runTestTensors    run a bioimage.io package's own test tensors when opening it, and refuse
 *                          it when its outputs differ
 * @param maxUnpackedBytes  the most bytes unpacking one zip may write (zip bombs)
 */
public record LoadOptions(boolean trustModel, boolean inlineFunctions, Path workDir, boolean runTestTensors,
	long maxUnpackedBytes) {

	/** System property that makes {@link #defaults()} trusted for the whole JVM. */
	public static final String TRUST_PROPERTY = "conceptscope.trustModel";
	/** Default limit for unpacking one zip: 8 GiB. */
	public static final long DEFAULT_MAX_UNPACKED_BYTES = 8L << 30;

	public LoadOptions {
		if (maxUnpackedBytes < 1) throw new IllegalArgumentException("maxUnpackedBytes must be positive.");
	}

	/** Checked models, functions inlined, test tensors run; trusted only if {@value #TRUST_PROPERTY} is "true". */
	public static LoadOptions defaults() {
		return new LoadOptions(Boolean.parseBoolean(System.getProperty(TRUST_PROPERTY, "false")), true, null, true,
			DEFAULT_MAX_UNPACKED_BYTES);
	}

	/** Like {@link #defaults()} but without the operation allow-list: for models whose author you trust. */
	public static LoadOptions trusted() {
		return defaults().withTrustModel(true);
	}

	public LoadOptions withTrustModel(boolean value) {
		return new LoadOptions(value, inlineFunctions, workDir, runTestTensors, maxUnpackedBytes);
	}

	public LoadOptions withInlineFunctions(boolean value) {
		return new LoadOptions(trustModel, value, workDir, runTestTensors, maxUnpackedBytes);
	}

	public LoadOptions withWorkDir(Path value) {
		return new LoadOptions(trustModel, inlineFunctions, value, runTestTensors, maxUnpackedBytes);
	}

	public LoadOptions withRunTestTensors(boolean value) {
		return new LoadOptions(trustModel, inlineFunctions, workDir, value, maxUnpackedBytes);
	}

	public LoadOptions withMaxUnpackedBytes(long value) {
		return new LoadOptions(trustModel, inlineFunctions, workDir, runTestTensors, value);
	}

	/** The folder temporary folders go into. */
	public Path workDirOrDefault() {
		return workDir != null ? workDir : Paths.get(System.getProperty("java.io.tmpdir"));
	}
}
