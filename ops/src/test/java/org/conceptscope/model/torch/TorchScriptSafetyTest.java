package org.conceptscope.model.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.EngineClassifier.Description;
import org.conceptscope.model.EngineClassifier.Input;
import org.conceptscope.model.LoadOptions;
import org.conceptscope.model.ModelLoadException;
import org.conceptscope.model.UnsafeModelException;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * TorchScript files that reach outside tensor computation (test-images/models/hostile-torchscript,
 * written by its make_fixtures.py) are refused before libtorch loads them, naming what they would
 * run; the benign fixtures pass; and one hostile file, loaded trusted, really writes a file, so the
 * check is what stops it.
 */
class TorchScriptSafetyTest {

	static Path hostile(String name) {
		return BundledModels.dir("hostile-torchscript").resolve(name);
	}

	static final Description IN = new Description(null, new Input(8, 8, 3, true), null, null, null);

	static void open(Path file, LoadOptions options) {
		TorchScriptClassifier.load(file, IN, options).close();
	}

	@ParameterizedTest
	@CsvSource({ "writes-file.pt, aten::save", "reads-file.pt, aten::from_file", "custom-op.pt, conceptscope_evil::run",
		"method-call.pt, from_file", "getattr-op.pt, getattr \"from_file\"", "custom-class.pt, __torch__.torch.classes.c10d.FileStore",
		"pickle-reduce.pt, posix.system", "pickle-custom-class.pt, __torch__.torch.classes.c10d.FileStore", "pickle-stack-global.pt, pickle" })
	void hostileFilesAreRefusedBeforeLoading(String file, String what) {
		UnsafeModelException e = assertThrows(UnsafeModelException.class, () -> open(hostile(file), LoadOptions.defaults()));
		assertEquals(what, e.opType(), e.getMessage());
		assertTrue(e.getMessage().contains(file) && e.getMessage().contains("trust"), e.getMessage());
	}

	@Test
	void theWriteIsRealWhenTrusted() throws Exception {
		Path written = Path.of("target", "conceptscope-hostile-write.pt");
		Files.deleteIfExists(written);
		UnsafeModelException refused = assertThrows(UnsafeModelException.class, () -> open(hostile("writes-file.pt"), LoadOptions.defaults()));
		assertTrue(refused.getMessage().contains("torch.save"), refused.getMessage());
		assertFalse(Files.exists(written));
		try (TorchScriptClassifier m = TorchScriptClassifier.load(hostile("writes-file.pt"), IN, LoadOptions.trusted())) {
			Files.deleteIfExists(written); // the load's own probe ran forward once
			m.logits(FloatTensor.zeros(1, 8, 8, 3));
			assertTrue(Files.exists(written), "libtorch ran torch.save");
		} finally {
			Files.deleteIfExists(written);
		}
	}

	@Test
	void aRecordWrittenTwiceIsRefused() {
		ModelLoadException e = assertThrows(ModelLoadException.class, () -> open(hostile("duplicate-record.pt"), LoadOptions.defaults()));
		assertTrue(e.getMessage().contains("code/__torch__.py' twice"), e.getMessage());
	}

	@ParameterizedTest
	@CsvSource({ "state-dict.pt, torch.save file", "legacy-pickle.pt, legacy torch.save pickle" })
	void picklesThatAreNotTorchScriptAreRefusedWithASentence(String file, String says) {
		ModelLoadException e = assertThrows(ModelLoadException.class, () -> open(hostile(file), LoadOptions.defaults()));
		assertFalse(e instanceof UnsafeModelException);
		assertTrue(e.getMessage().contains(says) && e.getMessage().contains("torch.jit.trace"), e.getMessage());
	}

	@Test
	void benignFixturesPass() {
		TorchScriptArchive a = TorchScriptArchive.read(BundledModels.dir("ihc-resnet-torchscript").resolve("weights.pt"), 1L << 30);
		TorchScriptSafety.check(a);
		assertTrue(a.code().size() > 10);
	}

	@Test
	void whatTorchJitScriptWritesLoadsAndRuns() {
		try (TorchScriptClassifier m = TorchScriptClassifier.load(hostile("benign-scripted.pt"), IN, LoadOptions.defaults())) {
			FloatTensor p = m.logits(FloatTensor.zeros(2, 8, 8, 3));
			assertEquals(2, p.dim(1));
			assertEquals(1.0, p.data()[0] + p.data()[1], 1e-5); // its forward ends in softmax
			// its forward has a loop and an if: no layer split, and the sentence says what still works
			assertTrue(m.layers().isEmpty());
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.activations(FloatTensor.zeros(1, 8, 8, 3), "conv"));
			assertTrue(e.getMessage().contains("nested blocks") && e.getMessage().contains("Saliency"), e.getMessage());
		}
	}

	@Test
	void scriptedStraightLineModelsSplitAtTheirSubmodules() {
		try (TorchScriptClassifier m = TorchScriptClassifier.load(hostile("scripted-layers.pt"), IN, LoadOptions.defaults());
			TorchScriptClassifier seq = TorchScriptClassifier.load(hostile("scripted-sequential.pt"), IN, LoadOptions.defaults())) {
			// the stem's output feeds the residual block twice (conv path and skip): it is still a clean cut, as is the block's end
			assertEquals(List.of("stem", "block", "pool"), m.layers().stream().map(l -> l.name()).toList());
			assertEquals(List.of("0", "1", "2", "3", "4", "5", "6"), seq.layers().stream().map(l -> l.name()).toList());
			FloatTensor x = FloatTensor.zeros(2, 8, 8, 3);
			for (int i = 0; i < x.size(); i++) x.data()[i] = (float) Math.sin(i);
			for (TorchScriptClassifier c : List.of(m, seq)) {
				FloatTensor logits = c.logits(x);
				for (var l : c.layers()) {
					FloatTensor again = c.logitsFromLayer(l.name(), c.activations(x, l.name()));
					for (int i = 0; i < logits.size(); i++) assertEquals(logits.data()[i], again.data()[i], 1e-5, l.name());
				}
			}
			assertEquals(List.of(-1L, 4L, 4L, 4L), java.util.Arrays.stream(seq.layers().get(2).shape()).boxed().toList(), "after max pooling");
		}
	}

	@Test
	void aFinalSoftmaxIsLeftOutOfTheLogitsAndPutBackInTheProbabilities() {
		Path dir = BundledModels.dir("hostile-torchscript");
		FloatTensor x = org.conceptscope.model.EngineClassifier.channelsLast(org.conceptscope.model.bioimage.EnginePackagesTestAccess.npy(
			dir.resolve("traced-softmax-input.npy")));
		FloatTensor logits = org.conceptscope.model.bioimage.EnginePackagesTestAccess.npy(dir.resolve("traced-softmax-logits.npy"));
		FloatTensor probabilities = org.conceptscope.model.bioimage.EnginePackagesTestAccess.npy(dir.resolve("traced-softmax-probabilities.npy"));
		try (TorchScriptClassifier m = TorchScriptClassifier.load(hostile("traced-softmax.pt"), IN, LoadOptions.defaults())) {
			assertTrue(m.logitsLeaveOutFinalSoftmax());
			FloatTensor l = m.logits(x), p = m.probabilities(x);
			for (int i = 0; i < l.size(); i++) {
				assertEquals(logits.data()[i], l.data()[i], 1e-5, "the logits PyTorch computed before its softmax");
				assertEquals(probabilities.data()[i], p.data()[i], 1e-6, "the model's own output");
			}
			// the wrapped network's submodules are layers; the wrapped network itself gives the logits and is not one
			assertEquals(List.of("net.stem", "net.block", "net.pool"), m.layers().stream().map(l2 -> l2.name()).toList());
			for (var layer : m.layers()) {
				FloatTensor again = m.logitsFromLayer(layer.name(), m.activations(x, layer.name()));
				for (int i = 0; i < l.size(); i++) assertEquals(l.data()[i], again.data()[i], 1e-5, layer.name());
			}
		}
	}

	@Test
	void theAllowListHoldsNoFileOrProcessOperator() {
		for (String op : List.of("from_file", "save", "set_grad_enabled", "manual_seed", "backward", "to_here", "set_")) {
			assertFalse(TorchScriptSafety.ATEN.contains(op), op);
		}
		assertTrue(TorchScriptSafety.ATEN.containsAll(List.of("conv2d", "_convolution", "batch_norm", "relu_", "linear", "flatten",
			"adaptive_avg_pool2d", "add", "softmax", "layer_norm", "gelu", "matmul", "permute")));
	}
}
