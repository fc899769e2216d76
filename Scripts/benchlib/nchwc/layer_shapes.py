"""Writes layers.txt: every Conv of the shipped EfficientNet-Lite0 at a 224x224 input (in and out
channels, kernel, stride, pads taken from the Pad node before it, group, input and output size,
and what follows it: relu6, a residual add or nothing), shapes from onnxruntime."""
import os
import onnx, numpy as np, onnxruntime as ort
from onnx import numpy_helper
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../..")
m=onnx.load(os.path.join(root, 'Samples/models/efficientnet_lite0.onnx'))
g=m.graph
inits={i.name:numpy_helper.to_array(i) for i in g.initializer}
cons={}
prod={}
for n in g.node:
    for i in n.input: cons.setdefault(i,[]).append(n)
    for o in n.output: prod[o]=n
names=set()
for n in g.node:
    if n.op_type in('Conv','Pad'): names.add(n.input[0]); names.add(n.output[0])
existing={o.name for o in g.output}
for nm in names:
    if nm not in existing and nm!='input': g.output.append(onnx.helper.make_tensor_value_info(nm,1,None))
s=ort.InferenceSession(m.SerializeToString(),providers=['CPUExecutionProvider'])
outs=[o.name for o in s.get_outputs()]
r=dict(zip(outs,s.run(None,{'input':np.random.rand(1,3,224,224).astype(np.float32)})))
r['input']=np.zeros((1,3,224,224))
lines=[]
for n in g.node:
    if n.op_type!='Conv': continue
    a={x.name:onnx.helper.get_attribute_value(x) for x in n.attribute}
    W=inits[n.input[1]].shape
    x=n.input[0]; pad=[0,0,0,0]
    if x in prod and prod[x].op_type=='Pad':
        pi=prod[x].input[0]; ish=r[pi].shape; psh=r[x].shape
        # figure pad amounts: ORT pads const -> read from output via compute: assume TF same split
        th=psh[2]-ish[2]; tw=psh[3]-ish[3]
        pad=[th//2,tw//2,th-th//2,tw-tw//2]
    else: ish=r[x].shape
    osh=r[n.output[0]].shape
    c=cons.get(n.output[0],[])
    post='relu6' if c and c[0].op_type=='Clip' else ('add' if (len(c)==1 and c[0].op_type=='Add') else 'none')
    S=a['strides'][0]
    lines.append(f"{ish[1]} {W[0]} {W[2]} {S} {pad[0]} {pad[1]} {pad[2]} {pad[3]} {a['group']} {ish[2]} {ish[3]} {osh[2]} {osh[3]} {post}")
    print(lines[-1])
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'layers.txt'),'w').write('\n'.join(lines)+'\n')
