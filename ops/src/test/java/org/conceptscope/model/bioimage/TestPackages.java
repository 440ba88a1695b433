package org.conceptscope.model.bioimage;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.LoadOptions;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;

/**
 * bioimage.io packages made in tests from the bundled IHC SavedModel: the weights zipped, an
 * rdf.yaml in format 0.4 or 0.5, and test tensors whose expected outputs come from the bare
 * SavedModel fed with preprocessing computed by hand here (not by the code under test).
 */
public final class TestPackages {

	private TestPackages() {}

	public static final List<String> CLASSES = List.of("background", "hematoxylin", "DAB-positive");

	/** Raw 8-bit-like RGB pixels (0..255) of n 32x32 patches: smooth colour fields plus noise. */
	public static FloatTensor rawImages(int n, long seed) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(n, 32, 32, 3);
		for (int i = 0; i < n; i++) {
			float[] base = { 80 + 150 * r.nextFloat(), 60 + 150 * r.nextFloat(), 40 + 150 * r.nextFloat() };
			for (int p = 0; p < 32 * 32; p++) {
				for (int c = 0; c < 3; c++) {
					float v = base[c] + 25 * (float) r.nextGaussian();
					t.data()[(i * 1024 + p) * 3 + c] = Math.round(Math.max(0, Math.min(255, v)));
				}
			}
		}
		return t;
	}

	/** x / 255: the 0.4 package's scale_linear. */
	public static FloatTensor divideBy255(FloatTensor raw) {
		FloatTensor t = raw.copy();
		for (int i = 0; i < t.size(); i++) t.data()[i] = t.data()[i] / 255f;
		return t;
	}

	/** Per image and channel (x - min) / (max - min), then clipped to [0, 1]: the 0.5 package's preprocessing. */
	public static FloatTensor minMaxPerChannel(FloatTensor raw) {
		FloatTensor t = raw.copy();
		int n = (int) raw.dim(0), per = 32 * 32 * 3;
		for (int i = 0; i < n; i++) {
			for (int c = 0; c < 3; c++) {
				float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
				for (int p = c; p < per; p += 3) {
					min = Math.min(min, raw.data()[i * per + p]);
					max = Math.max(max, raw.data()[i * per + p]);
				}
				for (int p = c; p < per; p += 3) {
					float v = (raw.data()[i * per + p] - min) / (max - min);
					t.data()[i * per + p] = Math.max(0, Math.min(1, v));
				}
			}
		}
		return t;
	}

	/** Options for building a package. */
	public record Spec(String format, String axes, boolean zipped, boolean weightsInFolder, String sha256Override) {
		public static Spec of(String format) {
			return new Spec(format, "byxc", false, false, null);
		}

		public Spec zipped(boolean z) {
			return new Spec(format, axes, z, weightsInFolder, sha256Override);
		}

		public Spec axes(String a) {
			return new Spec(format, a, zipped, weightsInFolder, sha256Override);
		}

		public Spec sha256(String s) {
			return new Spec(format, axes, zipped, weightsInFolder, s);
		}
	}

	/**
	 * Builds a package in {@code dir} (a folder, or dir + ".zip" when zipped) and returns its path.
	 * The test input is 2 raw patches; the test output is the IHC model's probabilities (0.4) or
	 * logits with softmax postprocessing (0.5), computed from the hand-made preprocessing.
	 */
	public static Path build(Path dir, Spec spec) throws IOException {
		Files.createDirectories(dir);
		Path weights = dir.resolve("tf-weights.zip");
		zipFolder(BundledModels.dir("ihc-stain"), weights, "ihc-stain/", List.of("saved_model.pb", "variables"));
		String sha = spec.sha256Override() != null ? spec.sha256Override() : BioImageModel.sha256(weights);
		FloatTensor raw = rawImages(2, 5);
		boolean v05 = spec.format().startsWith("0.5");
		FloatTensor normalized = v05 ? minMaxPerChannel(raw) : divideBy255(raw);
		FloatTensor modelInput = spec.axes().equals("bxyc") ? BioImageModel.swapHW(raw) : raw;
		FloatTensor expected;
		try (TensorFlowClassifier ihc = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"), LoadOptions.defaults())) {
			// the bare model is NHWC: for a 'bxyc' package the declared tensor is the transposed image
			FloatTensor fed = spec.axes().equals("bxyc") ? BioImageModel.swapHW(normalized) : normalized;
			expected = ihc.probabilities(fed);
		}
		Npy.write(dir.resolve("test_input.npy"), modelInput);
		Npy.write(dir.resolve("test_output.npy"), expected);
		String rdf = v05 ? rdf05(spec, sha, BioImageModel.sha256(dir.resolve("test_input.npy"))) : rdf04(spec, sha);
		Files.writeString(dir.resolve("rdf.yaml"), rdf, StandardCharsets.UTF_8);
		if (!spec.zipped()) return dir;
		Path zip = dir.resolveSibling(dir.getFileName() + ".zip");
		zipFolder(dir, zip, "", null);
		deleteTree(dir);
		return zip;
	}

	public static String rdf04(Spec spec, String sha) {
		return """
			format_version: %s
			type: model
			name: IHC stain classifier
			description: Background / hematoxylin / DAB-positive patches (ConceptScope test package)
			authors: [{name: ConceptScope developers}]
			license: Apache-2.0
			timestamp: '2026-11-24T00:00:00Z'
			inputs:
			  - name: input
			    axes: %s
			    data_type: float32
			    data_range: [-.inf, .inf]
			    shape: [1, 32, 32, 3]
			    preprocessing:
			      - name: scale_linear
			        kwargs: {axes: xy, gain: 0.00392156862745098, offset: 0}
			outputs:
			  - name: probabilities
			    axes: bc
			    data_type: float32
			    shape: [1, 3]
			test_inputs: [test_input.npy]
			test_outputs: [test_output.npy]
			weights:
			  tensorflow_saved_model_bundle:
			    source: tf-weights.zip
			    sha256: %s
			    tensorflow_version: 2.16.1
			config:
			  conceptscope:
			    classes: [background, hematoxylin, DAB-positive]
			""".formatted(spec.format(), spec.axes(), sha);
	}

	public static String rdf05(Spec spec, String sha, String testSha) {
		String y = "      - {type: space, id: y, size: 32}\n", x = "      - {type: space, id: x, size: 32}\n";
		return """
			format_version: %s
			type: model
			name: IHC stain classifier
			description: Background / hematoxylin / DAB-positive patches (ConceptScope test package)
			authors: [{name: ConceptScope developers}]
			license: Apache-2.0
			inputs:
			  - id: input
			    axes:
			      - {type: batch}
			%s      - {type: channel, channel_names: [red, green, blue]}
			    test_tensor: {source: test_input.npy, sha256: %s}
			    data: {type: float32}
			    preprocessing:
			      - id: scale_range
			        kwargs: {axes: [y, x], min_percentile: 0.0, max_percentile: 100.0}
			      - id: clip
			        kwargs: {min: 0.0, max: 1.0}
			      - id: ensure_dtype
			        kwargs: {dtype: float32}
			outputs:
			  - id: logits
			    axes:
			      - {type: batch}
			      - {type: channel, channel_names: [background, hematoxylin, DAB-positive]}
			    test_tensor: {source: test_output.npy}
			    postprocessing:
			      - id: softmax
			        kwargs: {axis: channel}
			weights:
			  tensorflow_saved_model_bundle:
			    source: tf-weights.zip
			    sha256: %s
			    tensorflow_version: 2.16.1
			""".formatted(spec.format(), spec.axes().equals("bxyc") ? x + y : y + x, testSha, sha);
	}

	/** Zips a folder; only the named top-level entries when {@code only} is given. */
	public static void zipFolder(Path folder, Path zip, String prefix, List<String> only) throws IOException {
		try (OutputStream os = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(os); Stream<Path> s = Files.walk(folder)) {
			for (Path p : s.sorted().toList()) {
				if (p.equals(folder) || Files.isDirectory(p)) continue;
				String rel = folder.relativize(p).toString().replace('\\', '/');
				if (only != null && only.stream().noneMatch(o -> rel.equals(o) || rel.startsWith(o + "/"))) continue;
				z.putNextEntry(new ZipEntry(prefix + rel));
				Files.copy(p, z);
				z.closeEntry();
			}
		}
	}

	/** A zip with exactly these entries (names as given, hostile ones included). */
	public static Path rawZip(Path zip, Map<String, byte[]> entries) throws IOException {
		try (OutputStream os = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(os)) {
			for (Map.Entry<String, byte[]> e : entries.entrySet()) {
				z.putNextEntry(new ZipEntry(e.getKey()));
				z.write(e.getValue());
				z.closeEntry();
			}
		}
		return zip;
	}

	public static void deleteTree(Path root) throws IOException {
		if (!Files.exists(root)) return;
		try (Stream<Path> s = Files.walk(root)) {
			for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
		}
	}
}
