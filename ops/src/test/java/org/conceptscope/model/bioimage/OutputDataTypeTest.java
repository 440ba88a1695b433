package org.conceptscope.model.bioimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.conceptscope.model.LoadOptions;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 0.5 output whose data type is an integer one: the spec ends its postprocessing with an ensure_dtype to that type
 * (OutputTensorDescr's validator) and bioimageio.core casts the output so (numpy's astype: the fraction cut off, then
 * wrapped modulo 2^8 for uint8), so the package's test output holds the cast values. The package is the batch-free IHC
 * classifier of {@link BatchFreePackageTest} with its output declared uint8 and its test output the cast of PyTorch's
 * logits, computed here. Before 2026-12-07 the cast was not applied: the package's own test failed on open.
 * The explained scores are not cast: the logits stay the network's, and a sigmoid's probabilities stay in (0, 1).
 */
class OutputDataTypeTest {

	@TempDir
	Path tmp;

	static final String TEST_OUTPUT = "    test_tensor: {source: test_output.npy}\n";

	/** numpy's float to uint8: towards zero, then modulo 256, computed apart from the code under test. */
	static float uint8(double v) {
		long t = (long) v; // Java's cast cuts towards zero
		return Math.floorMod(t, 256);
	}

	/** The batch-free package with its output declared {@code type} after {@code post}, its test output {@code f} of PyTorch's logits. */
	private Path build(String name, String post, java.util.function.DoubleUnaryOperator f) throws Exception {
		BatchFreePackageTest b = new BatchFreePackageTest();
		b.tmp = tmp;
		Path dir = b.build(name);
		FloatTensor z = Npy.read(dir.resolve("test_output.npy"));
		float[] cast = new float[z.size()];
		for (int i = 0; i < cast.length; i++) cast[i] = uint8(f.applyAsDouble(z.data()[i]));
		Npy.write(dir.resolve("test_output.npy"), new FloatTensor(z.shape(), cast));
		String rdf = Files.readString(dir.resolve("rdf.yaml"));
		assertTrue(rdf.indexOf(TEST_OUTPUT) == rdf.lastIndexOf(TEST_OUTPUT), rdf);
		Files.writeString(dir.resolve("rdf.yaml"), rdf.replace(TEST_OUTPUT, "    data: {type: uint8}\n" + post + TEST_OUTPUT));
		return dir;
	}

	@Test
	void anIntegerOutputDataTypeCastsTheDeclaredOutputAsBioimageioCoreDoes() throws Exception {
		Path dir = build("uint8", "", z -> z);
		FloatTensor z = Npy.read(org.conceptscope.model.BundledModels.dir("ihc-resnet-onnx").resolve("test_output.npy")).range(0, 1);
		boolean wraps = false, fraction = false;
		for (float v : z.data()) {
			wraps |= v <= -1;
			fraction |= v != Math.rint(v);
		}
		assertTrue(wraps && fraction, "PyTorch's logits have negative and fractional values: " + java.util.Arrays.toString(z.data()));
		try (BioImageModel m = BioImageModel.open(dir, LoadOptions.defaults().withWorkDir(tmp.resolve("work")))) {
			assertTrue(m.testReport().ran() && m.testReport().passed(), m.testReport().message());
			FloatTensor x = m.normalize(EnginePackagesTestAccess.raw().range(0, 5));
			FloatTensor logits = m.logits(x), out = m.output(x);
			boolean continuous = false;
			for (int i = 0; i < logits.size(); i++) {
				assertEquals(uint8(logits.data()[i]), out.data()[i], 0, "output " + i);
				continuous |= logits.data()[i] != Math.rint(logits.data()[i]);
			}
			assertTrue(continuous, "the logits explained are the network's, not cast");
		}
	}

	@Test
	void aSigmoidsProbabilitiesAreNotCastToTheOutputDataType() throws Exception {
		Path dir = build("sigmoid", "    postprocessing:\n      - id: sigmoid\n", z -> 1 / (1 + Math.exp(-z)));
		try (BioImageModel m = BioImageModel.open(dir, LoadOptions.defaults().withWorkDir(tmp.resolve("work")))) {
			assertTrue(m.testReport().ran() && m.testReport().passed(), m.testReport().message());
			assertTrue(m.isMultiLabel());
			FloatTensor x = m.normalize(EnginePackagesTestAccess.raw().range(0, 5));
			FloatTensor logits = m.logits(x), p = m.probabilities(x), out = m.output(x);
			for (int i = 0; i < logits.size(); i++) {
				double s = 1 / (1 + Math.exp(-logits.data()[i]));
				assertEquals(s, p.data()[i], 1e-6, "probability " + i);
				assertEquals(uint8(s), out.data()[i], 0, "declared output " + i);
			}
		}
	}
}
