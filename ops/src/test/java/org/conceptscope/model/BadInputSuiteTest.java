package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

import net.imglib2.img.Img;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.type.numeric.RealType;
import net.imglib2.view.Views;

import org.conceptscope.model.bioimage.BioImageModel;
import org.conceptscope.model.bioimage.Npy;
import org.conceptscope.model.bioimage.TestPackages;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.ImageAxes;
import org.conceptscope.tensor.ImageTensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * The bad-input suite: missing, corrupt and truncated files, wrong shapes, ranks and dtypes,
 * NaN/Inf pixels, empty, 1-pixel and huge images, unsupported and hostile ops, malformed
 * rdf.yaml, hostile zip entries, 8/16/32-bit images. Each case gets a specific error message
 * (or the correct result); none crashes the JVM (TensorFlow aborts are prevented in Java), none
 * changes the caller's tensor or package, and none leaves files in the work folder.
 * Image-side cases that need ImageJ (composites, virtual stacks, ImagePlus types) live in plugins/.
 */
class BadInputSuiteTest {

	static Path base, sharedWork, pkg05, kerasDir, kerasPkg;
	static TensorFlowClassifier ihc, kerasCalls;
	static BioImageModel kerasModel;

	@BeforeAll
	static void setUp() throws Exception {
		base = Files.createTempDirectory("conceptscope-bad-inputs");
		sharedWork = Files.createDirectories(base.resolve("shared-work"));
		ihc = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"), LoadOptions.defaults().withWorkDir(sharedWork));
		pkg05 = TestPackages.build(base.resolve("pkg05"), TestPackages.Spec.of("0.5.3"));
		// a bioimage.io package around a Keras-style model that takes any image size
		kerasDir = base.resolve("keras-any-size");
		TestGraphs.kerasStyle(kerasDir, 3, -1);
		kerasCalls = TensorFlowClassifier.load(kerasDir, LoadOptions.defaults().withWorkDir(sharedWork).withInlineFunctions(false));
		kerasPkg = Files.createDirectories(base.resolve("keras-pkg"));
		TestPackages.zipFolder(kerasDir, kerasPkg.resolve("weights.zip"), "", null);
		FloatTensor raw = uniform(1, 12, 12, 3, 1);
		FloatTensor pre = raw.copy();
		for (int i = 0; i < pre.size(); i++) pre.data()[i] = pre.data()[i] * 2 - 1;
		Npy.write(kerasPkg.resolve("in.npy"), raw);
		Npy.write(kerasPkg.resolve("out.npy"), kerasCalls.output("output_0", pre));
		Files.writeString(kerasPkg.resolve("rdf.yaml"), """
			format_version: 0.5.3
			type: model
			name: keras any size
			inputs:
			  - id: input
			    axes:
			      - {type: batch}
			      - {type: space, id: y, size: {min: 8, step: 4}}
			      - {type: space, id: x, size: {min: 8, step: 4}}
			      - {type: channel, channel_names: [r, g, b]}
			    test_tensor: {source: in.npy}
			    preprocessing:
			      - id: scale_linear
			        kwargs: {gain: 2.0, offset: -1.0}
			outputs:
			  - id: output_0
			    axes:
			      - {type: batch}
			      - {type: channel, channel_names: [a, b, c]}
			    test_tensor: {source: out.npy}
			weights:
			  tensorflow_saved_model_bundle: {source: weights.zip, sha256: '%s'}
			""".formatted(BioImageModel.sha256(kerasPkg.resolve("weights.zip"))));
		kerasModel = BioImageModel.open(kerasPkg, LoadOptions.defaults().withWorkDir(sharedWork));
	}

	@AfterAll
	static void tearDown() throws Exception {
		if (kerasModel != null) kerasModel.close();
		if (kerasCalls != null) kerasCalls.close();
		if (ihc != null) ihc.close();
		TestPackages.deleteTree(base);
	}

	// ---- the case table ----

	interface Run {
		void run(Path dir) throws Exception;
	}

	record Case(String name, Class<? extends Throwable> error, Run run, String... parts) {
		@Override
		public String toString() {
			return name;
		}
	}

	static Case fails(String name, Class<? extends Throwable> error, Run run, String... parts) {
		return new Case(name, error, run, parts);
	}

	static Case works(String name, Run run) {
		return new Case(name, null, run);
	}

	@ParameterizedTest(name = "{index}: {0}")
	@MethodSource("cases")
	void badInput(Case c) throws Exception {
		Path dir = Files.createTempDirectory(base, "case");
		Path work = Files.createDirectories(dir.resolve("work"));
		if (c.error() == null) {
			c.run().run(dir);
		} else {
			Throwable t = assertThrows(c.error(), () -> c.run().run(dir));
			for (String p : c.parts()) {
				assertTrue(t.getMessage() != null && t.getMessage().contains(p), c.name() + ": message '" + t.getMessage() + "' lacks '" + p + "'");
			}
		}
		try (Stream<Path> s = Files.list(work)) {
			assertEquals(List.of(), s.toList(), c.name() + ": no partial or temporary files are left");
		}
	}

	static LoadOptions opts(Path dir) {
		return LoadOptions.defaults().withTrustModel(false).withWorkDir(dir.resolve("work"));
	}

	static Stream<Case> cases() {
		List<Case> all = new ArrayList<>();
		all.addAll(tensorCases());
		all.addAll(imageTypeCases());
		all.addAll(modelFileCases());
		all.addAll(opCases());
		all.addAll(rdfCases());
		all.addAll(zipCases());
		all.addAll(packageCases());
		all.addAll(boundCases());
		all.addAll(kerasConstantsCases());
		return all.stream();
	}

	// ---- tensors given to a loaded model ----

	static FloatTensor uniform(long n, long h, long w, long c, long seed) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(n, h, w, c);
		for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat();
		return t;
	}

	static FloatTensor withValue(FloatTensor t, int index, float v) {
		t.data()[index] = v;
		return t;
	}

	/** Calls the IHC model with x and checks x is unchanged afterwards, whatever happens. */
	static Run onIhc(FloatTensor x, BiConsumer<TensorFlowClassifier, FloatTensor> call) {
		return dir -> {
			FloatTensor before = x.copy();
			try {
				call.accept(ihc, x);
			} finally {
				assertArrayEquals(before.shape(), x.shape());
				assertArrayEquals(before.data(), x.data(), 0f, "the caller's tensor is never changed");
			}
		};
	}

	static List<Case> tensorCases() {
		FloatTensor ok = uniform(2, 32, 32, 3, 1);
		FloatTensor w2 = FloatTensor.oneHot(new int[] { 0, 2 }, 3);
		Class<IllegalArgumentException> iae = IllegalArgumentException.class;
		return List.of(
			fails("rank 3 tensor (one image without batch)", iae, onIhc(FloatTensor.zeros(32, 32, 3), TensorFlowClassifier::logits), "rank 3", "[N, H, W, C]"),
			fails("rank 5 tensor (a z-stack)", iae, onIhc(FloatTensor.zeros(1, 4, 32, 32, 3), TensorFlowClassifier::logits), "rank 5"),
			fails("rank 2 tensor in a gradient call", iae, onIhc(FloatTensor.zeros(32, 96), (m, x) -> m.inputGradient(x, w2)), "rank 2"),
			fails("gray image for an RGB model", iae, onIhc(uniform(1, 32, 32, 1, 2), TensorFlowClassifier::logits), "channels 3", "has 1"),
			fails("4-channel composite for an RGB model", iae, onIhc(uniform(1, 32, 32, 4, 2), TensorFlowClassifier::logits), "channels 3", "has 4"),
			fails("wrong height", iae, onIhc(uniform(1, 64, 32, 3, 2), TensorFlowClassifier::logits), "height 32", "has 64"),
			fails("wrong width", iae, onIhc(uniform(1, 32, 31, 3, 2), TensorFlowClassifier::probabilities), "width 32", "has 31"),
			fails("1-pixel image", iae, onIhc(uniform(1, 1, 1, 3, 2), TensorFlowClassifier::logits), "height 32", "has 1"),
			fails("huge image for a fixed-size model", iae, onIhc(FloatTensor.zeros(1, 2000, 2000, 3), TensorFlowClassifier::logits), "height 32", "has 2000", "tiles"),
			fails("empty batch", iae, onIhc(FloatTensor.zeros(0, 32, 32, 3), TensorFlowClassifier::logits), "empty"),
			fails("image of height 0", iae, onIhc(FloatTensor.zeros(1, 0, 32, 3), TensorFlowClassifier::logits), "height is 0"),
			fails("NaN pixel", iae, onIhc(withValue(uniform(2, 32, 32, 3, 3), 3072 + 7, Float.NaN), TensorFlowClassifier::logits), "Image 2 of the 2", "NaN"),
			fails("+Inf pixel", iae, onIhc(withValue(uniform(1, 32, 32, 3, 3), 5, Float.POSITIVE_INFINITY), (m, x) -> m.inputGradient(x, FloatTensor.oneHot(new int[] { 1 }, 3))), "infinite"),
			fails("-Inf pixel in an activation call", iae, onIhc(withValue(uniform(1, 32, 32, 3, 3), 9, Float.NEGATIVE_INFINITY), (m, x) -> m.activations(x, "conv1/relu")), "infinite"),
			fails("class weights of the wrong shape", iae, onIhc(ok, (m, x) -> m.inputGradient(x, FloatTensor.zeros(2, 4))), "[2, 3]"),
			fails("NaN class weights", iae, onIhc(ok, (m, x) -> m.inputGradient(x, withValue(FloatTensor.zeros(2, 3), 1, Float.NaN))), "NaN"),
			fails("activations of the wrong shape", iae, onIhc(FloatTensor.zeros(1, 8, 8, 32), (m, a) -> m.logitsFromLayer("conv2/relu", a)), "conv2/relu", "[-1, 16, 16, 32]"),
			fails("NaN activations", iae, onIhc(withValue(FloatTensor.zeros(1, 16, 16, 32), 0, Float.NaN), (m, a) -> m.gradientFromLayer("conv2/relu", a, FloatTensor.oneHot(new int[] { 0 }, 3))), "NaN"),
			fails("unknown layer", iae, onIhc(ok, (m, x) -> m.activations(x, "conv9")), "Unknown layer 'conv9'", "conv1/relu"),
			fails("no layer name", iae, onIhc(ok, (m, x) -> m.activations(x, null)), "No layer name"),
			fails("unknown signature output", iae, onIhc(ok, (m, x) -> m.output("segmentation", x)), "no output 'segmentation'", "logits"),
			fails("call after close", IllegalStateException.class, dir -> {
				TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"), opts(dir));
				m.close();
				m.logits(ok);
			}, "closed"),
			works("unnormalised 16-bit values give finite logits", onIhc(scaled(uniform(3, 32, 32, 3, 4), 65535), (m, x) -> assertFinite(m.logits(x)))),
			works("variable-size Keras package: 12x12 image, gradients and a layer split", dir -> {
				FloatTensor x = kerasModel.normalize(uniform(2, 12, 12, 3, 5));
				assertFinite(kerasModel.inputGradient(x, FloatTensor.oneHot(new int[] { 0, 1 }, 3)));
				String relu = "StatefulPartitionedCall/model/conv2d/Relu";
				FloatTensor a = kerasModel.activations(x, relu);
				assertArrayEquals(new long[] { 2, 12, 12, 4 }, a.shape());
				assertClose(kerasModel.logits(x), kerasModel.logitsFromLayer(relu, a), 1e-4);
			}),
			fails("image size the package does not allow (10 x 12)", iae, dir -> kerasModel.logits(uniform(1, 10, 12, 3, 6)), "height 8 + k*4", "12 x 10"),
			fails("1-pixel image for a package with a minimum size", iae, dir -> kerasModel.logits(uniform(1, 1, 1, 3, 6)), "8 + k*4", "1 x 1"),
			works("huge image (1024 x 1024) for a model that takes any size", dir -> {
				FloatTensor x = uniform(1, 1024, 1024, 3, 7);
				FloatTensor before = x.copy();
				FloatTensor probs = kerasModel.probabilities(x);
				assertClose(kerasCalls.output("output_0", x), probs, 1e-5);
				assertArrayEquals(before.data(), x.data(), 0f);
			}));
	}

	static FloatTensor scaled(FloatTensor t, float f) {
		for (int i = 0; i < t.size(); i++) t.data()[i] = Math.round(t.data()[i] * f);
		return t;
	}

	static void assertFinite(FloatTensor t) {
		assertEquals(-1, t.firstNonFinite(), "all values are finite");
	}

	static void assertClose(FloatTensor a, FloatTensor b, double tol) {
		assertArrayEquals(a.shape(), b.shape());
		for (int i = 0; i < a.size(); i++) assertEquals(a.data()[i], b.data()[i], tol + tol * Math.abs(a.data()[i]), "value " + i);
	}

	// ---- 8/16/32-bit images through ImageTensors (the ops side; ImagePlus types are in plugins/) ----

	static <T extends RealType<T>> Run imageRun(Img<T> img, double max) {
		return dir -> {
			Random r = new Random(8);
			for (T v : img) v.setReal(Math.floor(r.nextDouble() * max));
			List<Double> before = new ArrayList<>();
			for (T v : img) before.add(v.getRealDouble());
			FloatTensor x = ImageTensors.toTensor(img, ImageAxes.XYC, ihc.normalization());
			assertArrayEquals(new long[] { 1, 32, 32, 3 }, x.shape());
			for (float v : x.data()) assertTrue(v >= 0 && v <= 1, "unit range");
			assertFinite(ihc.probabilities(x));
			List<Double> after = new ArrayList<>();
			for (T v : img) after.add(v.getRealDouble());
			assertEquals(before, after, "the image is never changed");
		};
	}

	static List<Case> imageTypeCases() {
		return List.of(
			works("8-bit RGB image", imageRun(ArrayImgs.unsignedBytes(32, 32, 3), 256)),
			works("16-bit 3-channel image", imageRun(ArrayImgs.unsignedShorts(32, 32, 3), 65536)),
			works("32-bit float 3-channel image", imageRun(ArrayImgs.floats(32, 32, 3), 1000)),
			fails("image whose axes do not match", IllegalArgumentException.class,
				dir -> ImageTensors.toTensor(ArrayImgs.floats(32, 32), ImageAxes.XYC, ihc.normalization()), "2 dimensions"),
			fails("empty image", IllegalArgumentException.class,
				dir -> ImageTensors.toTensor(Views.interval(ArrayImgs.floats(32, 32, 3), new long[] { 0, 0, 0 }, new long[] { -1, 31, 2 }),
					ImageAxes.XYC, ihc.normalization()), "empty"));
	}

	// ---- model folders ----

	static Path copyIhc(Path dir) throws Exception {
		return TestGraphs.editedCopy(BundledModels.dir("ihc-stain"), dir.resolve("m"), meta -> {});
	}

	static Path edited(Path dir, java.util.function.Consumer<MetaGraphDef.Builder> edit) throws Exception {
		return TestGraphs.editedCopy(BundledModels.dir("ihc-stain"), dir.resolve("m"), edit);
	}

	static SignatureDef.Builder sig(MetaGraphDef.Builder meta) {
		return meta.getSignatureDefOrThrow("serving_default").toBuilder();
	}

	static Run load(ThrowingPath model) {
		return dir -> {
			try (TensorFlowClassifier m = TensorFlowClassifier.load(model.make(dir), opts(dir))) {
				m.logits(uniform(1, 32, 32, 3, 1));
			}
		};
	}

	interface ThrowingPath {
		Path make(Path dir) throws Exception;
	}

	static Path variablesFile(Path model, String prefix) throws Exception {
		try (Stream<Path> s = Files.list(model.resolve("variables"))) {
			return s.filter(p -> p.getFileName().toString().startsWith(prefix)).findFirst().orElseThrow();
		}
	}

	static List<Case> modelFileCases() {
		Class<ModelLoadException> mle = ModelLoadException.class;
		return List.of(
			fails("missing model folder", mle, load(dir -> dir.resolve("nope")), "does not exist"),
			fails("a file instead of a folder", mle, load(dir -> Files.writeString(dir.resolve("model.h5"), "x")), "is a file"),
			fails("empty folder", mle, load(dir -> Files.createDirectories(dir.resolve("m"))), "no saved_model.pb"),
			fails("text SavedModel only", mle, load(dir -> {
				Path m = Files.createDirectories(dir.resolve("m"));
				Files.writeString(m.resolve("saved_model.pbtxt"), "meta_graphs {}");
				return m;
			}), "saved_model.pbtxt"),
			fails("truncated saved_model.pb", mle, load(dir -> {
				Path m = copyIhc(dir), pb = m.resolve("saved_model.pb");
				byte[] b = Files.readAllBytes(pb);
				Files.write(pb, Arrays.copyOf(b, b.length / 3));
				return m;
			}), "corrupt or truncated"),
			fails("random bytes as saved_model.pb", mle, load(dir -> {
				Path m = copyIhc(dir);
				byte[] junk = new byte[5000];
				new Random(1).nextBytes(junk);
				Files.write(m.resolve("saved_model.pb"), junk);
				return m;
			}), "corrupt or truncated"),
			fails("empty saved_model.pb", mle, load(dir -> {
				Path m = copyIhc(dir);
				Files.write(m.resolve("saved_model.pb"), new byte[0]);
				return m;
			}), "no meta graph tagged 'serve'"),
			fails("meta graph tagged for training only", mle, load(dir -> edited(dir, meta -> meta.getMetaInfoDefBuilder().clearTags().addTags("train"))),
				"no meta graph tagged 'serve'"),
			fails("missing variables", mle, load(dir -> {
				Path m = copyIhc(dir);
				Files.delete(variablesFile(m, "variables.data"));
				return m;
			}), "variables.data-*"),
			fails("truncated variables data", mle, load(dir -> {
				Path m = copyIhc(dir), data = variablesFile(m, "variables.data");
				byte[] b = Files.readAllBytes(data);
				Files.write(data, Arrays.copyOf(b, b.length / 2));
				return m;
			}), "TensorFlow could not load"),
			fails("corrupt variables index", mle, load(dir -> {
				Path m = copyIhc(dir);
				Files.write(variablesFile(m, "variables.index"), "not a table".getBytes(StandardCharsets.US_ASCII));
				return m;
			}), "TensorFlow could not load"),
			fails("no signature", mle, load(dir -> edited(dir, MetaGraphDef.Builder::clearSignatureDef)), "has no signature"),
			fails("two inputs", mle, load(dir -> edited(dir, meta -> meta.putSignatureDef("serving_default",
				sig(meta).putInputs("second", TensorInfo.newBuilder().setName("input:0").setDtype(DataType.DT_FLOAT).build()).build()))),
				"2 inputs", "exactly one image input"),
			fails("input of rank 2", mle, load(dir -> edited(dir, meta -> meta.putSignatureDef("serving_default",
				sig(meta).putInputs("input", TensorInfo.newBuilder().setName("features:0").setDtype(DataType.DT_FLOAT).build()).build()))),
				"[-1, 32]", "batch of images"),
			fails("int32 input", mle, load(dir -> edited(dir, meta -> meta.putSignatureDef("serving_default",
				sig(meta).putInputs("input", TensorInfo.newBuilder().setName("input:0").setDtype(DataType.DT_INT32).build()).build()))),
				"DT_INT32", "float32"),
			fails("image output instead of logits", mle, load(dir -> edited(dir, meta -> meta.putSignatureDef("serving_default",
				sig(meta).clearOutputs().putOutputs("map", TensorInfo.newBuilder().setName("conv1/relu:0").setDtype(DataType.DT_FLOAT).build()).build()))),
				"[N, classes]"),
			fails("signature names a tensor the graph lacks", mle, load(dir -> edited(dir, meta -> meta.putSignatureDef("serving_default",
				sig(meta).putOutputs("logits", TensorInfo.newBuilder().setName("nope:0").setDtype(DataType.DT_FLOAT).build()).build()))),
				"'nope:0', which is not in the graph"),
			fails("a node input that does not exist", mle, load(dir -> edited(dir, meta -> {
				for (NodeDef.Builder n : meta.getGraphDefBuilder().getNodeBuilderList()) if (n.getName().equals("probabilities")) n.addInput("^ghost");
			})), "TensorFlow could not load", "ghost"),
			fails("config with too few class names", mle, load(dir -> {
				Path m = copyIhc(dir);
				Files.writeString(m.resolve(ModelConfig.FILE_NAME), "{\"classes\": [\"a\", \"b\"]}");
				return m;
			}), "names 2 classes", "3 logits"),
			fails("config with an unknown normalisation", mle, load(dir -> {
				Path m = copyIhc(dir);
				Files.writeString(m.resolve(ModelConfig.FILE_NAME), "{\"normalization\": \"sqrt\"}");
				return m;
			}), "Unknown normalisation 'sqrt'"),
			fails("3 GB saved_model.pb (refused from its size, never read)", mle, load(dir -> {
				Path m = copyIhc(dir);
				try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(m.resolve("saved_model.pb").toFile(), "rw")) {
					f.setLength(3_000_000_000L); // sparse: no disk space used
				}
				return m;
			}), "saved_model.pb is 3.0 GB", "more than the 2 GB", "choose the folder of the exported model"),
			fails("bioimage.io package folder given where a SavedModel is needed", mle, dir -> {
				Path p = pkg(dir, null, null);
				TensorFlowClassifier.load(p, opts(dir)).close();
			}, "is a bioimage.io package (it has rdf.yaml)", "choose it as the model"),
			fails("config that is not JSON", mle, load(dir -> {
				Path m = copyIhc(dir);
				Files.writeString(m.resolve(ModelConfig.FILE_NAME), "{not json");
				return m;
			}), "not a valid ConceptScope model config"),
			// a misspelt key was dropped in silence: the model then ran on unnormalised pixels
			fails("config with a misspelt key", mle, load(dir -> {
				Path m = copyIhc(dir);
				Files.writeString(m.resolve(ModelConfig.FILE_NAME), "{\"classes\": [\"a\", \"b\", \"c\"], \"normalisation\": \"unit_range\"}");
				return m;
			}), "conceptscope.json is not a valid ConceptScope model config: unknown key \"normalisation\"; the keys are name, description,"
				+ " classes, normalization, logits, mean, std, input, pixel_size, input_statistics, metadata. Fix the JSON."),
			fails("config with a misspelt key inside input_statistics", mle, load(dir -> {
				Path m = copyIhc(dir);
				Files.writeString(m.resolve(ModelConfig.FILE_NAME), "{\"input_statistics\": {\"mean\": [0.5], \"stdev\": [0.1]},"
					+ " \"metadata\": {\"any key\": 1}}");
				return m;
			}), "unknown key \"stdev\" in \"input_statistics\"; the keys are mean, std, image_std_low, image_std_high, source."));
	}

	// ---- operations ----

	static List<Case> opCases() {
		Class<UnsafeModelException> ume = UnsafeModelException.class;
		List<Case> cases = new ArrayList<>();
		for (TestGraphs.Hiding h : List.of(TestGraphs.Hiding.MAIN_GRAPH, TestGraphs.Hiding.NESTED_FUNCTION, TestGraphs.Hiding.RESTORE_OP)) {
			cases.add(fails("WriteFile hidden in " + h, ume, dir -> {
				Path target = dir.resolve("pwned.txt");
				try {
					TestGraphs.writeFileModel(dir.resolve("m"), target, h);
					TensorFlowClassifier.load(dir.resolve("m"), opts(dir)).close();
				} finally {
					assertFalse(Files.exists(target), "the file is never written");
				}
			}, "'WriteFile'", "write_it"));
		}
		cases.add(fails("unregistered op (PyFunc)", ume, load(dir -> TestGraphs.ihcWithOp(dir.resolve("m"), "PyFunc")), "'PyFunc'", "runs Python code"));
		cases.add(fails("unknown custom op", ume, load(dir -> TestGraphs.ihcWithOp(dir.resolve("m"), "ZzzCustomKernel")), "'ZzzCustomKernel'",
			"not on ConceptScope's list"));
		cases.add(fails("data-set reader op", ume, load(dir -> TestGraphs.ihcWithOp(dir.resolve("m"), "TFRecordDataset")), "'TFRecordDataset'"));
		cases.add(fails("WriteFile reached through the configured logits", ume, load(dir -> {
			Path m = TestGraphs.editedCopy(BundledModels.dir("ihc-stain"), dir.resolve("m"), meta -> {
				var g = meta.getGraphDefBuilder();
				g.addNode(NodeDef.newBuilder().setName("writer").setOp("WriteFile").addInput("save/Const").addInput("save/Const"));
				g.addNode(NodeDef.newBuilder().setName("other_logits").setOp("Identity").addInput("logits").addInput("^writer")
					.putAttr("T", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build()));
			});
			Files.writeString(m.resolve(ModelConfig.FILE_NAME), "{\"logits\": \"other_logits:0\"}");
			return m;
		}), "'WriteFile'", "the configured logits tensor"));
		cases.add(fails("recursive function", ume, load(dir -> edited(dir, meta -> {
			AttrValue f = AttrValue.newBuilder().setFunc(NameAttrList.newBuilder().setName("loop")).build();
			AttrValue floats = AttrValue.newBuilder().setList(AttrValue.ListValue.newBuilder().addType(DataType.DT_FLOAT)).build();
			meta.getGraphDefBuilder().getLibraryBuilder().addFunction(FunctionDef.newBuilder()
				.setSignature(OpDef.newBuilder().setName("loop").addInputArg(OpDef.ArgDef.newBuilder().setName("x").setType(DataType.DT_FLOAT))
					.addOutputArg(OpDef.ArgDef.newBuilder().setName("y").setType(DataType.DT_FLOAT)))
				.addNodeDef(NodeDef.newBuilder().setName("again").setOp("StatefulPartitionedCall").addInput("x").putAttr("f", f)
					.putAttr("Tin", floats).putAttr("Tout", floats))
				.putRet("y", "again:output:0"));
			TestGraphs.addControlNode(meta, "probabilities", NodeDef.newBuilder().setName("start").setOp("StatefulPartitionedCall")
				.addInput("logits").putAttr("f", f).putAttr("Tin", floats).putAttr("Tout", floats).build());
		})), "'loop' calls itself", "loop -> loop"));
		cases.add(fails("functions nested 300 deep", ume, load(dir -> edited(dir, meta -> {
			var lib = meta.getGraphDefBuilder().getLibraryBuilder();
			for (int i = 0; i < 300; i++) {
				FunctionDef.Builder fd = FunctionDef.newBuilder().setSignature(OpDef.newBuilder().setName("f" + i));
				if (i < 299) fd.addNodeDef(NodeDef.newBuilder().setName("c").setOp("f" + (i + 1)));
				lib.addFunction(fd);
			}
			TestGraphs.addControlNode(meta, "probabilities", NodeDef.newBuilder().setName("deep").setOp("f0").build());
		})), "more than " + GraphSafety.MAX_CALL_DEPTH + " deep"));
		return cases;
	}

	// ---- rdf.yaml ----

	/** A copy of the 0.5 package whose rdf.yaml has {@code from} replaced by {@code to}. */
	static Path pkg(Path dir, String from, String to) throws Exception {
		Path p = dir.resolve("pkg");
		Files.createDirectories(p);
		try (Stream<Path> s = Files.list(pkg05)) {
			for (Path f : s.toList()) Files.copy(f, p.resolve(f.getFileName()));
		}
		if (from != null) {
			String rdf = Files.readString(p.resolve("rdf.yaml"));
			assertTrue(rdf.contains(from), "the base rdf holds '" + from + "'");
			Files.writeString(p.resolve("rdf.yaml"), rdf.replace(from, to));
		}
		return p;
	}

	static Path pkgWithRdf(Path dir, String rdf) throws Exception {
		Path p = pkg(dir, null, null);
		Files.writeString(p.resolve("rdf.yaml"), rdf);
		return p;
	}

	static Run open(ThrowingPath pkg) {
		return dir -> {
			Path p = pkg.make(dir);
			try (BioImageModel m = BioImageModel.open(p, opts(dir))) {
				m.logits(m.normalize(TestPackages.rawImages(1, 1)));
			}
		};
	}

	static List<Case> rdfCases() {
		Class<ModelLoadException> mle = ModelLoadException.class;
		String gadget = "!!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL [\"http://127.0.0.1:1/\"]]]]";
		StringBuilder laughs = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
		for (char c = 'b'; c <= 'k'; c++) {
			char p = (char) (c - 1);
			laughs.append(c).append(": &").append(c).append(" [*").append(p).append(", *").append(p).append(", *").append(p).append(", *")
				.append(p).append(", *").append(p).append(", *").append(p).append(", *").append(p).append("]\n");
		}
		return List.of(
			fails("package folder without rdf.yaml", mle, open(dir -> Files.createDirectories(dir.resolve("pkg"))), "not a bioimage.io package"),
			fails("empty rdf.yaml", mle, open(dir -> pkgWithRdf(dir, "")), "is empty"),
			fails("rdf.yaml with a YAML syntax error", mle, open(dir -> pkgWithRdf(dir, "format_version: 0.5.3\ninputs: [\n  - {id: x\n")), "not valid YAML"),
			fails("rdf.yaml that is a list", mle, open(dir -> pkgWithRdf(dir, "- format_version\n- 0.5.3\n")), "not a YAML mapping"),
			fails("rdf.yaml with a Java type tag (deserialisation gadget)", mle, open(dir -> pkgWithRdf(dir, "format_version: 0.5.3\nx: " + gadget + "\n")),
				"not valid YAML"),
			fails("rdf.yaml with a billion laughs", mle, open(dir -> pkgWithRdf(dir, laughs.toString())), "not valid YAML"),
			fails("rdf.yaml with a duplicate key", mle, open(dir -> pkg(dir, "type: model", "type: model\ntype: model")), "not valid YAML", "duplicate"),
			fails("rdf.yaml that is not UTF-8", mle, open(dir -> {
				Path p = pkg(dir, null, null);
				Files.write(p.resolve("rdf.yaml"), new byte[] { 'a', ':', ' ', (byte) 0xff, (byte) 0xfe, '\n' });
				return p;
			}), "not a UTF-8 text file"),
			fails("unsupported format_version", mle, open(dir -> pkg(dir, "format_version: 0.5.3", "format_version: 0.3.6")), "0.3.6", "0.4 and 0.5"),
			fails("rdf of a dataset", mle, open(dir -> pkg(dir, "type: model", "type: dataset")), "'dataset', not a model"),
			fails("no inputs", mle, open(dir -> pkg(dir, "inputs:", "inputz:")), "has no inputs"),
			fails("axes that are not a list (0.5)", mle, open(dir -> pkg(dir, "    axes:\n      - {type: batch}\n      - {type: space, id: y", "    axes: byxc\n    xaxes:\n      - {type: batch}\n      - {type: space, id: y")),
				"inputs[0].axes must be a list"),
			fails("unknown axis type", mle, open(dir -> pkg(dir, "{type: space, id: y, size: 32}", "{type: depth, id: y, size: 32}")), "axis types are"),
			fails("size that is not a number", mle, open(dir -> pkg(dir, "{type: space, id: y, size: 32}", "{type: space, id: y, size: big}")), "size must be a number"),
			fails("onnx weights that are not ONNX", mle, open(dir -> pkg(dir, "tensorflow_saved_model_bundle:", "onnx:")), "tf-weights.zip is not an ONNX model"),
			fails("weights in a format no engine runs", mle, open(dir -> pkg(dir, "tensorflow_saved_model_bundle:", "keras_hdf5:")), "no weights ConceptScope runs",
				"(it has keras_hdf5; ConceptScope runs tensorflow_saved_model_bundle, torchscript, onnx): export the Keras model as a TensorFlow SavedModel"),
			fails("pytorch_state_dict weights: the conversion named", mle, open(dir -> pkg(dir, "tensorflow_saved_model_bundle:", "pytorch_state_dict:")),
				"(it has pytorch_state_dict;", "'bioimageio add-weights'"),
			fails("sha256 that is not a hash", mle, open(dir -> {
				Path p = pkg(dir, null, null);
				String rdf = Files.readString(p.resolve("rdf.yaml"));
				Files.writeString(p.resolve("rdf.yaml"), rdf.replaceAll("(?m)^    sha256: .*$", "    sha256: 1234"));
				return p;
			}), "is not a SHA-256"),
			fails("input axes 'bcyx' (channel first)", mle, open(dir -> pkg(dir, "      - {type: batch}\n      - {type: space, id: y, size: 32}\n      - {type: space, id: x, size: 32}\n      - {type: channel, channel_names: [red, green, blue]}",
				"      - {type: batch}\n      - {type: channel, channel_names: [red, green, blue]}\n      - {type: space, id: y, size: 32}\n      - {type: space, id: x, size: 32}")),
				"axes 'bcyx'", "byxc, bxyc to TensorFlow models"),
			fails("segmentation output (byxc)", mle, open(dir -> pkg(dir, "      - {type: channel, channel_names: [background, hematoxylin, DAB-positive]}",
				"      - {type: space, id: y, size: 32}\n      - {type: space, id: x, size: 32}\n      - {type: channel, channel_names: [background, hematoxylin, DAB-positive]}")),
				"explains classifiers", "'byxc'"),
			fails("unknown preprocessing", mle, open(dir -> pkg(dir, "id: clip", "id: magic_normalize")), "'magic_normalize'", "is not a processing step"),
			fails("per-dataset statistics", mle, open(dir -> pkg(dir, "{axes: [y, x], min_percentile", "{mode: per_dataset, axes: [y, x], min_percentile")),
				"mode per_dataset"),
			fails("statistics from another tensor", mle, open(dir -> pkg(dir, "{axes: [y, x], min_percentile", "{reference_tensor: mask, axes: [y, x], min_percentile")),
				"from the tensor 'mask'"),
			fails("percentiles in the wrong order", mle, open(dir -> pkg(dir, "min_percentile: 0.0, max_percentile: 100.0", "min_percentile: 99.0, max_percentile: 1.0")),
				"0 <= low < high <= 100"),
			fails("fixed size that contradicts the SavedModel", mle, open(dir -> pkg(dir, "{type: space, id: y, size: 32}", "{type: space, id: y, size: 64}")),
				"'y' has size 64", "inconsistent"),
			fails("channel names that contradict the SavedModel", mle, open(dir -> pkg(dir, "channel_names: [red, green, blue]", "channel_names: [red, green]")),
				"'channel' has size 2", "inconsistent"),
			fails("class names that contradict the logits", mle, open(dir -> pkg(dir, "channel_names: [background, hematoxylin, DAB-positive]", "channel_names: [yes, no]")),
				"names 2 classes", "3 logits"),
			fails("two inputs", mle, open(dir -> pkg(dir, "outputs:", "  - id: mask\n    axes: [{type: batch}, {type: channel, channel_names: [m]}]\noutputs:")),
				"2 inputs", "one image input"));
	}

	// ---- hostile and broken zips ----

	static Map<String, byte[]> entries(Object... kv) {
		Map<String, byte[]> m = new LinkedHashMap<>();
		for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1] instanceof byte[] b ? b : String.valueOf(kv[i + 1]).getBytes(StandardCharsets.UTF_8));
		return m;
	}

	static Run hostileZip(String entry) {
		return dir -> {
			Path zip = TestPackages.rawZip(dir.resolve("pkg.zip"), entries("rdf.yaml", "format_version: 0.5.3\n", entry, "pwned"));
			try {
				BioImageModel.open(zip, opts(dir)).close();
			} finally {
				assertFalse(Files.exists(dir.resolve("evil.txt")), "nothing is written outside the target folder");
				assertFalse(Files.exists(dir.resolve("work").resolve("evil.txt")));
			}
		};
	}

	static List<Case> zipCases() {
		Class<ModelLoadException> mle = ModelLoadException.class;
		return List.of(
			fails("zip-slip entry ../", mle, hostileZip("../evil.txt"), "zip-slip"),
			fails("zip-slip entry deep ../../..", mle, hostileZip("a/../../../evil.txt"), "zip-slip"),
			fails("absolute entry", mle, hostileZip("/tmp/conceptscope-evil.txt"), "absolute path"),
			fails("drive-letter entry", mle, hostileZip("C:/evil.txt"), "absolute path"),
			fails("backslash entry", mle, hostileZip("..\\evil.txt"), "backslashes"),
			fails("duplicate entry (case)", mle, dir -> BioImageModel.open(TestPackages.rawZip(dir.resolve("pkg.zip"),
				entries("rdf.yaml", "a: 1", "RDF.yaml", "b: 2")), opts(dir)).close(), "appears twice"),
			fails("zip bomb", mle, dir -> {
				Path zip = TestPackages.rawZip(dir.resolve("pkg.zip"), entries("rdf.yaml", "a: 1", "zeros.bin", new byte[1 << 20]));
				assertTrue(Files.size(zip) < 10_000, "a small zip that unpacks to a megabyte");
				BioImageModel.open(zip, opts(dir).withMaxUnpackedBytes(100_000)).close();
			}, "zip bomb"),
			fails("zip bomb refused from its directory before anything is unpacked", mle, dir -> {
				Path zip = TestPackages.rawZip(dir.resolve("pkg.zip"), entries("rdf.yaml", "a: 1", "zeros.bin", new byte[1 << 20]));
				BioImageModel.open(zip, opts(dir).withMaxUnpackedBytes(100_000)).close();
			}, "pkg.zip", "declare more than 100000 bytes", "nothing was unpacked"),
			fails("package zip that is not a zip", mle, dir -> BioImageModel.open(Files.writeString(dir.resolve("pkg.zip"), "just text"), opts(dir)).close(),
				"not a valid zip file"),
			fails("truncated package zip", mle, dir -> {
				Path zip = TestPackages.rawZip(dir.resolve("pkg.zip"), entries("rdf.yaml", "x".repeat(5000), "b.bin", new byte[5000]));
				byte[] b = Files.readAllBytes(zip);
				Files.write(zip, Arrays.copyOf(b, b.length - 60));
				BioImageModel.open(zip, opts(dir)).close();
			}, "not a valid zip file"),
			fails("package zip without rdf.yaml", mle, dir -> BioImageModel.open(TestPackages.rawZip(dir.resolve("pkg.zip"), entries("README.md", "hi")),
				opts(dir)).close(), "holds no rdf.yaml"));
	}

	// ---- counts far beyond any explanation, refused when the method is made (before any work) ----

	static Run make(java.util.function.Supplier<Object> method) {
		return dir -> method.get();
	}

	static List<Case> boundCases() {
		Class<IllegalArgumentException> iae = IllegalArgumentException.class;
		var zero = org.conceptscope.attribution.MaskedImage.constant(0);
		var grid4 = org.conceptscope.attribution.Segmentation.grid(4);
		return List.of(
			fails("smoothgrad samples=2147483647", iae, make(() -> new org.conceptscope.attribution.NoisyGradients(
				org.conceptscope.attribution.NoisyGradients.Statistic.SMOOTH_GRAD, Integer.MAX_VALUE, 0.1, 1)),
				"smoothgrad: samples=2147483647 is more than 100000", "use a value of at most 100000"),
			fails("integrated gradients steps=1e9", iae, make(() -> new org.conceptscope.attribution.IntegratedGradients(1_000_000_000, 0)),
				"Integrated Gradients: steps=1000000000"),
			fails("sobol grid=65536 (grid*grid overflows an int)", iae, make(() -> new org.conceptscope.attribution.SobolAttribution(
				65536, 32, zero, false, 1)), "Sobol attribution: grid=65536 is more than 1024"),
			fails("sobol grid=40 (1600 cells, more than the Sobol sequence has)", iae, make(() -> new org.conceptscope.attribution.SobolAttribution(
				40, 32, zero, false, 1)), "grid=40 makes 1600 cells", "use grid=22 or less"),
			fails("rise samples=2147483647", iae, make(() -> new org.conceptscope.attribution.Rise(Integer.MAX_VALUE, 8, 0.5, 1)),
				"RISE: samples=2147483647"),
			fails("hsic grid=100000", iae, make(() -> new org.conceptscope.attribution.HsicAttribution(100_000, 64, zero, 1)),
				"HSIC attribution: grid=100000"),
			fails("lime samples=2147483647", iae, make(() -> new org.conceptscope.attribution.Lime(Integer.MAX_VALUE, grid4, zero, 1)),
				"LIME: samples=2147483647"),
			fails("kernel shap samples=2147483647", iae, make(() -> new org.conceptscope.attribution.KernelShap(Integer.MAX_VALUE, grid4, zero, 1)),
				"Kernel SHAP: samples=2147483647"),
			fails("lime grid of 100000 cells per side", iae, make(() -> org.conceptscope.attribution.Segmentation.grid(100_000)),
				"cells per side=100000"),
			works("the largest counts allowed are accepted", dir -> {
				new org.conceptscope.attribution.IntegratedGradients(org.conceptscope.util.Limits.MAX_PASSES, 0);
				new org.conceptscope.attribution.SobolAttribution(22, org.conceptscope.util.Limits.MAX_PASSES, zero, false, 1);
				org.conceptscope.attribution.Segmentation.grid(org.conceptscope.util.Limits.MAX_GRID);
			}));
	}

	// ---- a Keras-style model whose init op sets its variables from constants (no variables/) ----

	static List<Case> kerasConstantsCases() {
		return List.of(
			works("Keras-style function-call model without variables/ loads and explains like its plain twin", dir -> {
				Path keras = BundledModels.dir("ihc-keras-constants");
				assertFalse(Files.exists(keras.resolve("variables")), "the fixture has no variables/ folder");
				FloatTensor x = uniform(4, 32, 32, 3, 11), w = FloatTensor.oneHot(new int[] { 0, 1, 2, 1 }, 3);
				try (TensorFlowClassifier k = TensorFlowClassifier.load(keras, opts(dir));
					TensorFlowClassifier plain = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"), opts(dir))) {
					assertClose(plain.logits(x), k.logits(x), 1e-5);
					assertClose(plain.inputGradient(x, w), k.inputGradient(x, w), 1e-5);
					assertEquals(plain.classNames(), k.classNames());
				}
			}),
			fails("the same model without its init op", ModelLoadException.class, load(dir -> TestGraphs.editedCopy(
				BundledModels.dir("ihc-keras-constants"), dir.resolve("m"), meta -> meta.removeSignatureDef(SavedModelFiles.INIT_SIGNATURE))),
				"has variables but variables/variables.index", "Copy the whole SavedModel folder"));
	}

	// ---- files the rdf names ----

	static List<Case> packageCases() {
		Class<ModelLoadException> mle = ModelLoadException.class;
		return List.of(
			fails("weights file missing", mle, open(dir -> {
				Path p = pkg(dir, null, null);
				Files.delete(p.resolve("tf-weights.zip"));
				return p;
			}), "'tf-weights.zip'", "does not contain"),
			fails("weights named by URL", mle, open(dir -> pkg(dir, "source: tf-weights.zip", "source: https://example.org/tf-weights.zip")), "never downloads"),
			fails("weights outside the package (../)", mle, open(dir -> pkg(dir, "source: tf-weights.zip", "source: ../tf-weights.zip")), "outside the package"),
			fails("weights by absolute path", mle, open(dir -> pkg(dir, "source: tf-weights.zip", "source: /etc/passwd")), "absolute path"),
			fails("weights link pointing outside the package", mle, open(dir -> {
				Path p = pkg(dir, null, null);
				Path outside = Files.move(p.resolve("tf-weights.zip"), dir.resolve("outside.zip"));
				Files.createSymbolicLink(p.resolve("tf-weights.zip"), outside);
				return p;
			}), "a link that points outside the package"),
			fails("weights with the wrong SHA-256", mle, open(dir -> {
				Path p = pkg(dir, null, null);
				String rdf = Files.readString(p.resolve("rdf.yaml"));
				Files.writeString(p.resolve("rdf.yaml"), rdf.replaceAll("(?m)^    sha256: .*$", "    sha256: " + "cd".repeat(32)));
				return p;
			}), "SHA-256 of the weights", "cd".repeat(32)),
			fails("weights zip replaced by a corrupt file", mle, open(dir -> {
				Path p = pkg(dir, null, null);
				byte[] b = Files.readAllBytes(p.resolve("tf-weights.zip"));
				Files.write(p.resolve("tf-weights.zip"), Arrays.copyOf(b, b.length / 2));
				String rdf = Files.readString(p.resolve("rdf.yaml"));
				Files.writeString(p.resolve("rdf.yaml"), rdf.replaceAll("(?m)^    sha256: .*$\\n", ""));
				return p;
			}), "not a valid zip file"),
			fails("weights zip without a SavedModel", mle, open(dir -> {
				Path p = pkg(dir, null, null);
				TestPackages.rawZip(p.resolve("tf-weights.zip"), entries("model.onnx", "x"));
				String rdf = Files.readString(p.resolve("rdf.yaml"));
				Files.writeString(p.resolve("rdf.yaml"), rdf.replaceAll("(?m)^    sha256: .*$\\n", ""));
				return p;
			}), "hold no saved_model.pb"),
			fails("hostile SavedModel inside a package", UnsafeModelException.class, open(dir -> {
				Path p = pkg(dir, null, null);
				Path target = dir.resolve("pwned.txt");
				TestGraphs.writeFileModel(dir.resolve("evil"), target, TestGraphs.Hiding.FUNCTION);
				TestPackages.zipFolder(dir.resolve("evil"), p.resolve("tf-weights.zip"), "", null);
				String rdf = Files.readString(p.resolve("rdf.yaml"));
				Files.writeString(p.resolve("rdf.yaml"), rdf.replaceAll("(?m)^    sha256: .*$\\n", ""));
				return p;
			}), "'WriteFile'", "__inference_evil"),
			fails("test input that is not .npy", mle, open(dir -> {
				Path p = pkg(dir, "test_tensor: {source: test_input.npy, sha256: ", "test_tensor: {source: test_input.npy, x: ");
				Files.writeString(p.resolve("test_input.npy"), "not numpy");
				return p;
			}), "not a NumPy .npy file"),
			fails("truncated test input", mle, open(dir -> {
				Path p = pkg(dir, "test_tensor: {source: test_input.npy, sha256: ", "test_tensor: {source: test_input.npy, x: ");
				byte[] b = Files.readAllBytes(p.resolve("test_input.npy"));
				Files.write(p.resolve("test_input.npy"), Arrays.copyOf(b, b.length - 100));
				return p;
			}), "truncated"),
			fails("test input changed after packaging (sha256)", mle, open(dir -> {
				Path p = pkg(dir, null, null);
				Npy.write(p.resolve("test_input.npy"), FloatTensor.zeros(1, 32, 32, 3));
				return p;
			}), "SHA-256 of the test input"),
			fails("test input of the wrong shape", mle, open(dir -> {
				Path p = pkg(dir, "test_tensor: {source: test_input.npy, sha256: ", "test_tensor: {source: test_input.npy, x: ");
				Npy.write(p.resolve("test_input.npy"), FloatTensor.zeros(1, 16, 16, 3));
				return p;
			}), "test input test_input.npy has shape [1, 16, 16, 3]"),
			fails("test input in Fortran order", mle, open(dir -> {
				Path p = pkg(dir, "test_tensor: {source: test_input.npy, sha256: ", "test_tensor: {source: test_input.npy, x: ");
				byte[] b = Files.readAllBytes(p.resolve("test_input.npy"));
				String s = new String(b, StandardCharsets.ISO_8859_1).replace("'fortran_order': False", "'fortran_order': True ");
				Files.write(p.resolve("test_input.npy"), s.getBytes(StandardCharsets.ISO_8859_1));
				return p;
			}), "Fortran order"),
			fails("test output of an unsupported type (complex)", mle, open(dir -> {
				Path p = pkg(dir, null, null);
				byte[] b = Files.readAllBytes(p.resolve("test_output.npy"));
				String s = new String(b, StandardCharsets.ISO_8859_1).replace("'<f4'", "'<c8'");
				Files.write(p.resolve("test_output.npy"), s.getBytes(StandardCharsets.ISO_8859_1));
				return p;
			}), "'<c8' is not supported"),
			fails("test output the model does not reproduce", mle, open(dir -> {
				Path p = pkg(dir, null, null);
				FloatTensor t = Npy.read(p.resolve("test_output.npy"));
				t.data()[1] += 0.2f;
				Npy.write(p.resolve("test_output.npy"), t);
				return p;
			}), "own test failed", "differs from test_output.npy"),
			fails("test tensor outside the package", mle, open(dir -> pkg(dir, "test_tensor: {source: test_output.npy}", "test_tensor: {source: ../../test_output.npy}")),
				"outside the package"),
			works("package without test tensors opens, and says so", dir -> {
				Path p = pkg(dir, "test_tensor: {source: test_output.npy}", "description_of_test: none");
				try (BioImageModel m = BioImageModel.open(p, opts(dir))) {
					assertFalse(m.testReport().ran());
					assertTrue(m.testReport().message().contains("no test tensors"));
				}
			}),
			works("unpacked weights folder (no sha256) is accepted", dir -> {
				Path p = pkg(dir, null, null);
				TestGraphs.editedCopy(BundledModels.dir("ihc-stain"), p.resolve("weights"), meta -> {});
				String rdf = Files.readString(p.resolve("rdf.yaml"));
				Files.writeString(p.resolve("rdf.yaml"), rdf.replace("source: tf-weights.zip", "source: weights").replaceAll("(?m)^    sha256: .*$\\n", ""));
				try (BioImageModel m = BioImageModel.open(p, opts(dir))) {
					assertFalse(m.weightsVerified());
					assertTrue(m.testReport().passed());
				}
			}),
			fails("unpacked weights folder with a sha256", mle, open(dir -> {
				Path p = pkg(dir, "source: tf-weights.zip", "source: weights");
				TestGraphs.editedCopy(BundledModels.dir("ihc-stain"), p.resolve("weights"), meta -> {});
				return p;
			}), "sha256 for the weights folder"));
	}
}
