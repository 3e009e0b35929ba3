#!/usr/bin/python3
"""torch.optim.AdamW on fixed parameters and gradients: the oracle for the C++
AdamW. Reads JSON {"p": [...], "grads": [[...] per step], "lr", "betas",
"eps", "weight_decay"} from argv[1], writes {"p": [[...] after each step]} to
argv[2]."""
import json
import sys

import torch

spec = json.load(open(sys.argv[1]))
p = torch.nn.Parameter(torch.tensor(spec["p"], dtype=torch.float32))
opt = torch.optim.AdamW([p], lr=spec["lr"], betas=tuple(spec["betas"]), eps=spec["eps"],
                        weight_decay=spec["weight_decay"])
after = []
for g in spec["grads"]:
    p.grad = torch.tensor(g, dtype=torch.float32)
    opt.step()
    after.append(p.detach().tolist())
json.dump({"p": after}, open(sys.argv[2], "w"))
